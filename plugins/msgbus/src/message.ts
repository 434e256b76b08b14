// fedora-messaging's wire format for Pagure's messages: the routing key, the body (Pagure's
// message body with its agent), and the properties and headers consumers and FMN read.
import type { Options } from 'amqplib';

export interface OutgoingMessage {
  /** The event's UUID: the same on every try, so consumers can drop a duplicate. */
  id: string;
  topic: string;
  body: Record<string, unknown>;
  agent: string | null;
}

/** The fedora_messaging_schema header of a topic: pagure-messages' schema name. */
export function schemaOf(topic: string): string {
  return `pagure.${topic}`;
}

export function routingKey(prefix: string, topic: string): string {
  return `${prefix}.pagure.${topic}`;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const nameOf = (value: unknown): string | undefined => {
  const name = obj(value)?.name;
  return typeof name === 'string' && name ? name : undefined;
};

/**
 * The users a message concerns, as pagure-messages' schemas name them: the agent, the
 * project's owner, a ticket's author and assignee, a comment's author, a user added or removed.
 */
export function usersOf(message: OutgoingMessage): string[] {
  const users = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name === 'string' && name) users.add(name);
  };
  add(message.agent);
  const body = message.body;
  for (const key of ['project', 'repo']) add(nameOf(obj(body[key])?.user));
  for (const key of ['issue', 'pullrequest']) {
    const ticket = obj(body[key]);
    add(nameOf(ticket?.user));
    add(nameOf(ticket?.assignee));
    add(nameOf(obj(ticket?.project)?.user));
    const comments = ticket?.comments;
    if (Array.isArray(comments)) for (const comment of comments) add(nameOf(obj(comment)?.user));
  }
  add(nameOf(obj(body.comment)?.user));
  add(body.new_user);
  add(body.removed_user);
  return [...users].sort();
}

/** The package a message is about, when its project is in the rpms namespace. */
export function packageOf(message: OutgoingMessage): string | undefined {
  const body = message.body;
  const project = obj(body.project) ?? obj(body.repo) ?? obj(obj(body.pullrequest)?.project) ?? obj(obj(body.issue)?.project);
  if (!project || project.namespace !== 'rpms' || obj(project.parent)) return undefined;
  return typeof project.name === 'string' ? project.name : undefined;
}

/** The body and AMQP properties of a message, sent now. */
export function amqpMessage(message: OutgoingMessage, sentAt = new Date()): { content: Buffer; properties: Options.Publish } {
  const headers: Record<string, unknown> = {
    fedora_messaging_schema: schemaOf(message.topic),
    fedora_messaging_severity: 20,
    'sent-at': `${sentAt.toISOString().slice(0, 19)}+00:00`,
    priority: 0,
  };
  for (const user of usersOf(message)) headers[`fedora_messaging_user_${user}`] = true;
  const rpm = packageOf(message);
  if (rpm) headers[`fedora_messaging_rpm_${rpm}`] = true;
  return {
    content: Buffer.from(JSON.stringify({ ...message.body, agent: message.agent })),
    properties: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      messageId: message.id,
      headers,
    },
  };
}
