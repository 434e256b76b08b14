// The forge's nouns as services load them from the database.

export interface UserRecord {
  id: number;
  name: string;
  fullname: string;
  /** Made a site admin with `pagurus user admin`; config `admins` and `admin_groups` add more. */
  isAdmin: boolean;
  createdAt: Date;
}

export type GroupType = 'user' | 'admin';

export interface GroupRecord {
  id: number;
  name: string;
  displayName: string;
  description: string;
  groupType: GroupType;
  creatorId: number;
  createdAt: Date;
}

export interface ProjectRecord {
  id: number;
  name: string;
  namespace: string | null;
  /** The main admin; for a fork, who forked it. */
  userId: number;
  ownerName: string;
  parentId: number | null;
  isFork: boolean;
  private: boolean;
  description: string;
  url: string;
  avatarEmail: string | null;
  mirroredFrom: string | null;
  /** As stored; read through the settings service, which fills in defaults. */
  settings: Record<string, unknown>;
  blockUsers: string[];
  createdAt: Date;
  updatedAt: Date;
}
