// Issues: opening, reading, listing with Pagure's filters, editing, closing, comments.
import type { ServiceContext } from '../context.js';

export class IssuesService {
  constructor(protected readonly ctx: ServiceContext) {}
}
