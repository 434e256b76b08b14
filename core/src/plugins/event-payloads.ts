// The JSON that core's events carry: the same shapes the /api/0 answers use (Pagure's keys).
// The services' JSON types (services/json, issue-json, flags) are these same types.

export interface UserPayload {
  name: string;
  fullname: string;
  url_path: string;
  full_url: string;
  default_email?: string | null;
  emails?: string[];
}

export interface ProjectPayload {
  id: number;
  name: string;
  namespace: string | null;
  /** "rpms/bash", "forks/alice/rpms/bash". */
  fullname: string;
  /** "rpms/bash", "fork/alice/rpms/bash". */
  url_path: string;
  full_url: string;
  description: string | null;
  parent: ProjectPayload | null;
  date_created: string;
  date_modified: string;
  user: UserPayload;
  access_users: { owner: string[]; admin: string[]; commit: string[]; collaborator: string[]; ticket: string[] };
  access_groups: { admin: string[]; commit: string[]; collaborator: string[]; ticket: string[] };
  tags: string[];
  priorities: Record<string, string>;
  custom_keys: Array<[string, string]>;
  close_status: string[];
  milestones: Record<string, { date: string | null; active: boolean }>;
}

export interface CommentPayload {
  id: number;
  comment: string;
  parent: number | null;
  date_created: string;
  user: UserPayload;
  edited_on: string | null;
  editor: UserPayload | null;
  notification: boolean;
  reactions: Record<string, string[]>;
}

export interface PullRequestCommentPayload extends CommentPayload {
  commit: string | null;
  tree: string | null;
  filename: string | null;
  line: number | null;
}

export interface IssuePayload {
  /** The issue's number in its project: #3. */
  id: number;
  title: string;
  content: string;
  status: string;
  close_status: string | null;
  date_created: string;
  last_updated: string;
  closed_at: string | null;
  user: UserPayload;
  private: boolean;
  tags: string[];
  depends: string[];
  blocks: string[];
  assignee: UserPayload | null;
  priority: number | null;
  milestone: string | null;
  custom_fields: Array<{ name: string; key_type: string; value: string; key_data: string[] | null }>;
  closed_by: UserPayload | null;
  related_prs: Array<{ id: number; title: string }>;
  full_url: string;
  comments: CommentPayload[];
}

export interface PullRequestPayload {
  id: number;
  uid: string;
  title: string;
  /** The target branch. */
  branch: string;
  project: ProjectPayload;
  branch_from: string;
  repo_from: ProjectPayload | null;
  remote_git: string | null;
  date_created: string;
  updated_on: string;
  last_updated: string;
  closed_at: string | null;
  user: UserPayload;
  assignee: UserPayload | null;
  status: string;
  commit_start: string | null;
  commit_stop: string | null;
  closed_by: UserPayload | null;
  initial_comment: string | null;
  cached_merge_status: string;
  threshold_reached: boolean | null;
  tags: string[];
  full_url: string;
  comments: PullRequestCommentPayload[];
}

export interface FlagPayload {
  commit_hash: string;
  username: string;
  percent: number | null;
  comment: string;
  status: string;
  url: string;
  date_created: string;
  date_updated: string;
  user: UserPayload;
}

/** A commit's author in git events: a user of the forge, or just the name git recorded. */
export type AuthorPayload = UserPayload | { fullname: string; name: null; url_path: null };
