// Travis signs each webhook notification: `Signature` is the base64 RSA-SHA1 signature of the
// `payload` field, by the key whose public half GET <api>/config answers. The key is kept in
// memory per Travis API URL; a signature it does not verify has the key fetched once more, in
// case Travis rotated it.
import { verify } from 'node:crypto';
import { TravisClient } from './client.js';

/** Whether `signature` (base64) is an RSA-SHA1 signature of `payload` by the key `publicKeyPem`. */
export function signedBy(payload: string, signature: string, publicKeyPem: string): boolean {
  try {
    return verify('sha1', Buffer.from(payload), publicKeyPem, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export class WebhookKeys {
  private readonly keys = new Map<string, string>();

  constructor(private readonly timeoutMs: number) {}

  /**
   * Whether Travis at `travisUrl` signed `payload`: with the key in memory, else (none yet, or
   * it does not verify) with the key Travis answers now. Throws when Travis does not answer.
   */
  async verify(travisUrl: string, payload: string, signature: string): Promise<boolean> {
    const client = new TravisClient(travisUrl, this.timeoutMs);
    const cached = this.keys.get(client.base);
    if (cached !== undefined && signedBy(payload, signature, cached)) return true;
    const fresh = await client.publicKey();
    this.keys.set(client.base, fresh);
    return signedBy(payload, signature, fresh);
  }
}
