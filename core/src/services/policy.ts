// Policy decisions that plugins may veto: the core's rules first, then the bail hooks.
import type { ForgeHooks, PushCheck, Refusal } from '../plugins/index.js';

export class PolicyService {
  constructor(private readonly hooks: ForgeHooks) {}

  /** Whether one ref update of a push may happen; a Refusal says why not. */
  async canPush(check: PushCheck): Promise<Refusal | undefined> {
    // Core's access rules (levels, collaborator branch patterns) join here with projects.
    return this.hooks.canPush.promise(check);
  }
}
