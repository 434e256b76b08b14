// What a web-hook sends, exactly as Pagure does: the JSON body (keys sorted, as Python's
// json.dumps(sort_keys=True)) and the headers, signed with the project's hook token.
import { createHmac, randomBytes } from 'node:crypto';

export interface MessageInput {
  topic: string;
  /** The event's body. */
  body: Readonly<Record<string, unknown>>;
  msgId: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  instanceUrl: string;
  projectFullname: string;
}

/** JSON with every object's keys in order, so the bytes are stable whoever builds them. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Pagure's `msg_id`: "<year>-<uuid>"; the uuid is the event's id, so every retry and redelivery carries the same one. */
export function pagureMsgId(eventId: string, timestamp: string): string {
  return `${new Date(timestamp).getUTCFullYear()}-${eventId}`;
}

/** `{topic, msg, timestamp, msg_id, i}`; msg is the event's body plus pagure_instance and project_fullname. */
export function messageBody(input: MessageInput): string {
  return sortedJson({
    topic: input.topic,
    msg: { ...input.body, pagure_instance: input.instanceUrl, project_fullname: input.projectFullname },
    timestamp: Math.floor(new Date(input.timestamp).getTime() / 1000),
    msg_id: input.msgId,
    i: 1,
  });
}

export function signatures(body: string, token: string): { sha1: string; sha256: string } {
  return {
    sha1: createHmac('sha1', token).update(body).digest('hex'),
    sha256: createHmac('sha256', token).update(body).digest('hex'),
  };
}

export function messageHeaders(
  body: string,
  token: string,
  topic: string,
  instanceUrl: string,
  projectFullname: string,
): Record<string, string> {
  const { sha1, sha256 } = signatures(body, token);
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'Pagurus-webhooks',
    'X-Pagure': instanceUrl,
    'X-Pagure-project': projectFullname,
    'X-Pagure-Topic': topic,
    'X-Pagure-Signature': sha1,
    'X-Pagure-Signature-256': sha256,
  };
}

/** A hook token as Pagure makes them: 64 upper-case letters and digits. */
export function newHookToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(64);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
