// Projects' deploy keys: added by an admin (`pagurus ssh deploy-key add`), each reads one
// project. A key is either a user's or a project's, never both.
import { createHash } from 'node:crypto';
import type { ForgeApi, ProjectRecord } from '@pagurus/core';
import ssh2 from 'ssh2';

export interface DeployKey {
  id: number;
  projectId: number;
  publicKey: string;
  fingerprint: string;
}

interface Row {
  id: number;
  project_id: number;
  public_key: string;
  fingerprint: string;
}

const fromRow = (row: Row): DeployKey => ({
  id: row.id,
  projectId: row.project_id,
  publicKey: row.public_key,
  fingerprint: row.fingerprint,
});

/** "SHA256:..." of a key's wire blob, as ssh-keygen -l prints it (and core stores users' keys by). */
export const fingerprintOf = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export class DeployKeys {
  constructor(private readonly forge: ForgeApi) {}

  /** Adds a key to the project; refuses one that is not a public key, or that a user or a project already holds. */
  async add(project: ProjectRecord, text: string): Promise<DeployKey> {
    const line = text.trim();
    const parsed = /[\r\n]/.test(line) ? undefined : ssh2.utils.parseKey(line);
    const key = (Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed) as ssh2.ParsedKey | Error | undefined;
    if (!key || key instanceof Error || key.isPrivateKey()) throw new Error('This is not one SSH public key, on one line');
    const blob = key.getPublicSSH();
    const fingerprint = fingerprintOf(blob);
    if ((await this.forge.services.users.bySshKey(fingerprint)) || (await this.byFingerprint(fingerprint))) {
      throw new Error('This SSH key is already in use');
    }
    const [row] = (await this.forge
      .db('ssh_deploy_keys')
      .insert({ project_id: project.id, public_key: `${key.type} ${blob.toString('base64')}`, fingerprint })
      .returning(['id', 'project_id', 'public_key', 'fingerprint'])) as Row[];
    return fromRow(row!);
  }

  async list(project: ProjectRecord): Promise<DeployKey[]> {
    return ((await this.forge.db('ssh_deploy_keys').where({ project_id: project.id }).orderBy('id')) as Row[]).map(fromRow);
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
    const row = (await this.forge.db('ssh_deploy_keys').where({ fingerprint }).first()) as Row | undefined;
    return row && fromRow(row);
  }

  async byId(id: number): Promise<DeployKey | undefined> {
    const row = (await this.forge.db('ssh_deploy_keys').where({ id }).first()) as Row | undefined;
    return row && fromRow(row);
  }
}
