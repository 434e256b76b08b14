// Records the events a forge delivers to the in-memory `event` hook, as a plugin tapping it
// would see them, and waits for one by topic and predicate until a deadline.
import type { ForgeEvent, ForgeHooks } from '../plugins/index.js';

export interface EventRecorder {
  /** Every event recorded so far, in delivery order. */
  readonly events: readonly ForgeEvent[];
  /** The recorded events of one topic. */
  ofTopic(topic: string): ForgeEvent[];
  /**
   * The first event of `topic` (recorded already or still to come) that `predicate` accepts;
   * rejects after `timeoutMs` naming the topics that did arrive.
   */
  waitFor(topic: string, predicate?: (event: ForgeEvent) => boolean, timeoutMs?: number): Promise<ForgeEvent>;
  /** Stops recording (the tap stays, ignoring further events: tapable cannot untap). */
  stop(): void;
}

/** Taps `forge.hooks.event` now; only events delivered from then on are recorded. */
export function recordEvents(forge: { hooks: ForgeHooks }, tapName = 'event-recorder'): EventRecorder {
  const events: ForgeEvent[] = [];
  const waiters = new Set<(event: ForgeEvent) => void>();
  let recording = true;
  forge.hooks.event.tapPromise(tapName, async (event) => {
    if (!recording) return;
    events.push(event);
    for (const waiter of [...waiters]) waiter(event);
  });
  return {
    events,
    ofTopic: (topic) => events.filter((e) => e.topic === topic),
    waitFor(topic, predicate = () => true, timeoutMs = 10_000) {
      const matches = (event: ForgeEvent) => event.topic === topic && predicate(event);
      const found = events.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = [...new Set(events.map((e) => e.topic))].join(', ') || 'none';
          reject(new Error(`no ${topic} event matching within ${timeoutMs} ms (topics seen: ${seen})`));
        }, timeoutMs);
        const waiter = (event: ForgeEvent) => {
          if (!matches(event)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(event);
        };
        waiters.add(waiter);
      });
    },
    stop() {
      recording = false;
      waiters.clear();
    },
  };
}
