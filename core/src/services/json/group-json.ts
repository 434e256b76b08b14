// Pagure's group JSON, with its creator and member names.
import type { GroupRecord, UserRecord } from '../../domain/index.js';
import type { UserEmails } from '../users/users-service.js';
import { epochString, fullUrl } from './common.js';
import { userJson, type UserJson } from './user-json.js';

export interface GroupJson {
  name: string;
  display_name: string;
  description: string | null;
  group_type: string;
  creator: UserJson;
  date_created: string;
  full_url: string;
  members: string[];
}

export function groupJson(
  group: GroupRecord,
  creator: UserRecord,
  members: string[],
  baseUrl: string,
  creatorEmails?: UserEmails,
): GroupJson {
  return {
    name: group.name,
    display_name: group.displayName,
    description: group.description || null,
    group_type: group.groupType,
    creator: userJson(creator, baseUrl, creatorEmails),
    date_created: epochString(group.createdAt),
    full_url: fullUrl(baseUrl, `group/${group.name}`),
    members,
  };
}
