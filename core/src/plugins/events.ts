// The shape of the forge's events: topics follow Pagure's message names.

/**
 * Topic → body. Core and plugins add their topics by declaration merging:
 *   declare module '@pagurus/core' { interface ForgeEventMap { 'fixture.pinged': { note: string } } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ForgeEventMap {}

export type EventTopic = keyof ForgeEventMap & string;

export type EventBody<T extends string> = T extends EventTopic ? ForgeEventMap[T] : Readonly<Record<string, unknown>>;

export interface ForgeEvent<T extends string = string> {
  /** Unique per event; listeners use it to drop duplicates. */
  readonly id: string;
  readonly topic: T;
  readonly body: EventBody<T>;
  /** The user who caused it, as Pagure's `agent`. */
  readonly agent: string | null;
  /** ISO 8601, when the transaction that recorded it ran. */
  readonly timestamp: string;
}

/** Narrows an event to a known topic. */
export function isTopic<T extends EventTopic>(event: ForgeEvent, topic: T): event is ForgeEvent<T> {
  return event.topic === topic;
}
