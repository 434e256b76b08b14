// Projects' deploy keys: added by a project admin (its settings page) or an instance admin
// (`pagurus ssh deploy-key add`); each reads one project, and one with push access pushes to
// it. A key is either a user's or a project's, never both.
import { parseSshKey, type ForgeApi, type ProjectRecord } from '@pagurus/core';

export interface DeployKey {
  id: number;
  projectId: number;
  publicKey: string;
  fingerprint: string;
  /** Whether it may push (as a committer would), or only fetch. */
  push: boolean;
}

interface Row {
  id: number;
  project_id: number;
  public_key: string;
  fingerprint: string;
  push: boolean;
}

const COLUMNS = ['id', 'project_id', 'public_key', 'fingerprint', 'push'];

const fromRow = (row: Row): DeployKey => ({
  id: row.id,
  projectId: row.project_id,
  publicKey: row.public_key,
  fingerprint: row.fingerprint,
  push: Boolean(row.push),
});

export class DeployKeys {
  constructor(private readonly forge: ForgeApi) {}

  /**
   * Adds a key to the project, checked as core checks users' keys (one public key of an
   * accepted type and size); refuses one that a user or a project already holds.
   */
  async add(project: ProjectRecord, text: string, options: { push?: boolean } = {}): Promise<DeployKey> {
    const key = parseSshKey(text);
    if (typeof key === 'string') throw new Error(key);
    const { fingerprint } = key;
    if ((await this.forge.services.users.bySshKey(fingerprint)) || (await this.byFingerprint(fingerprint))) {
      throw new Error('This SSH key is already in use');
    }
    const [row] = (await this.forge
      .db('ssh_deploy_keys')
      .insert({ project_id: project.id, public_key: key.publicKey, fingerprint, push: options.push === true })
      .returning(COLUMNS)) as Row[];
    return fromRow(row!);
  }

  async list(project: ProjectRecord): Promise<DeployKey[]> {
    return ((await this.forge.db('ssh_deploy_keys').select(COLUMNS).where({ project_id: project.id }).orderBy('id')) as Row[]).map(fromRow);
  }

  /** Removes the project's key by its id or fingerprint; false when it has none such. */
  async remove(project: ProjectRecord, key: string): Promise<boolean> {
    const where = /^\d+$/.test(key) ? { id: Number(key) } : { fingerprint: key };
    return (
      (await this.forge
        .db('ssh_deploy_keys')
        .where({ project_id: project.id, ...where })
        .delete()) > 0
    );
  }

  async byFingerprint(fingerprint: string): Promise<DeployKey | undefined> {
    const row = (await this.forge.db('ssh_deploy_keys').select(COLUMNS).where({ fingerprint }).first()) as Row | undefined;
    return row && fromRow(row);
  }

  async byId(id: number): Promise<DeployKey | undefined> {
    const row = (await this.forge.db('ssh_deploy_keys').select(COLUMNS).where({ id }).first()) as Row | undefined;
    return row && fromRow(row);
  }
}
