// Issues and pull requests as services load them. Both are "tickets": numbered from one
// sequence per project, with an author, an assignee and a closing.

export type IssueStatus = 'Open' | 'Closed';
export type PullRequestStatus = 'Open' | 'Merged' | 'Closed';
/** What merging the pull request would do, as a worker last computed it. */
export type MergeStatus = 'NO_CHANGE' | 'FFORWARD' | 'CONFLICTS' | 'MERGE';

export interface TicketRecord {
  /** Internal key; never shown. */
  pk: number;
  projectId: number;
  /** The number users see: #3. */
  id: number;
  uid: string;
  title: string;
  userId: number;
  assigneeId: number | null;
  closedById: number | null;
  closedAt: Date | null;
  createdAt: Date;
  /** Pagure's last_updated. */
  updatedAt: Date;
}

export interface IssueRecord extends TicketRecord {
  content: string;
  status: IssueStatus;
  closeStatus: string | null;
  private: boolean;
  priority: number | null;
  milestone: string | null;
}

export interface PullRequestRecord extends TicketRecord {
  /** Target branch. */
  branch: string;
  /** Source project (this one, or a fork); null for a remote pull request or a deleted fork. */
  projectFromId: number | null;
  remoteGit: string | null;
  branchFrom: string;
  commitStart: string | null;
  commitStop: string | null;
  initialComment: string | null;
  mergeStatus: MergeStatus | null;
  allowRebase: boolean;
  status: PullRequestStatus;
  /** When the source branch last moved (Pagure's updated_on). */
  updatedOn: Date;
}

/** Issue and pull-request comments; the inline fields only on pull requests. */
export interface CommentRecord {
  id: number;
  ticketPk: number;
  comment: string;
  parentId: number | null;
  userId: number;
  notification: boolean;
  editedOn: Date | null;
  editorId: number | null;
  reactions: Record<string, string[]>;
  createdAt: Date;
  commitId?: string | null;
  treeId?: string | null;
  filename?: string | null;
  line?: number | null;
}
