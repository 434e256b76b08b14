// Pull requests: opening (within a project or from a fork), reading, listing, comments,
// closing and reopening, assignment. Merging and refreshing run as jobs (jobs/).
import type { ServiceContext } from '../context.js';

export class PullRequestsService {
  constructor(protected readonly ctx: ServiceContext) {}
}
