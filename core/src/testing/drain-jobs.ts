// drainJobs: waits until a forge's job queue is idle (nothing waiting, running or waiting
// to retry) and its event listeners are done, so a test can assert what the jobs did.
import type { Forge } from '../forge.js';

type Drainable = Pick<Forge, 'queue' | 'events'>;

/**
 * Resolves once the queue has been seen empty twice in a row with the event listeners idle
 * in between (a listener or a finishing job may queue more); rejects after `timeoutMs`.
 * The queue must be processed somewhere: by this forge (a test forge does) or a worker.
 */
export async function drainJobs(forge: Drainable | { forge: Drainable }, timeoutMs = 30_000): Promise<void> {
  const f = 'forge' in forge ? forge.forge : forge;
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  for (;;) {
    await f.events.idle();
    const pending = await f.queue.pending();
    quiet = pending === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    if (Date.now() > deadline) throw new Error(`the job queue still had ${pending} job(s) after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pending === 0 ? 10 : 50));
  }
}
