// What Pagure adds about the caller to some write answers (comments, flags, subscriptions):
// the caller's name and the avatar URL of their default address.
import type { ForgeContext } from '../../plugins/index.js';
import { avatarUrl, type DomainServices } from '../../services/index.js';

/** Pagure's avatar size in these answers. */
const CALLER_AVATAR_SIZE = 30;

export async function callerFields(ctx: ForgeContext, services: DomainServices): Promise<{ avatar_url: string | null; user: string }> {
  const user = ctx.state.user!;
  const email = (await services.users.emails([user.id])).get(user.id)?.defaultEmail;
  return { avatar_url: avatarUrl(email, CALLER_AVATAR_SIZE), user: user.name };
}
