// Bounds on smart HTTP's git processes: how many one client address and one repository may
// run at once, and how long one may go without a byte moving either way. The counts live in
// this process' memory: they bound what one web process spends, not the whole cluster.
import type { Socket } from 'node:net';

export interface ServiceLimitOptions {
  /** Most upload-pack/receive-pack processes one client address runs at once. */
  perAddress: number;
  /** Most of them one repository runs at once. */
  perRepository: number;
  /** A request moving no byte either way for this long is cut off. */
  idleTimeoutMs: number;
}

/** Which cap a request met. */
export type SlotRefusal = 'address' | 'repository';

/** A held slot; releasing it twice is harmless. */
export type ReleaseSlot = () => void;

export class ServiceSlots {
  private readonly byAddress = new Map<string, number>();
  private readonly byRepository = new Map<string, number>();

  constructor(readonly options: ServiceLimitOptions) {}

  /** Takes a slot for one git process of `address` in `repository`, or says which cap is full. */
  acquire(address: string, repository: string): { release: ReleaseSlot } | { refused: SlotRefusal } {
    if ((this.byAddress.get(address) ?? 0) >= this.options.perAddress) return { refused: 'address' };
    if ((this.byRepository.get(repository) ?? 0) >= this.options.perRepository) return { refused: 'repository' };
    bump(this.byAddress, address, 1);
    bump(this.byRepository, repository, 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        bump(this.byAddress, address, -1);
        bump(this.byRepository, repository, -1);
      },
    };
  }

  /** Slots held now, by one address or one repository (for tests and the log). */
  inUse(key: { address: string } | { repository: string }): number {
    return 'address' in key ? (this.byAddress.get(key.address) ?? 0) : (this.byRepository.get(key.repository) ?? 0);
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

/**
 * Calls `onIdle` once when neither direction of `socket` has moved a byte for `timeoutMs`
 * (request body in, response out, whoever reads or writes them); returns the stop function.
 * Counting the socket's bytes, rather than listening to the streams, leaves them untouched.
 */
export function watchIdle(socket: Socket, timeoutMs: number, onIdle: () => void): () => void {
  const moved = () => socket.bytesRead + socket.bytesWritten;
  let last = moved();
  let lastChange = Date.now();
  const timer = setInterval(
    () => {
      const now = moved();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange >= timeoutMs) {
        clearInterval(timer);
        onIdle();
      }
    },
    Math.max(100, Math.min(timeoutMs / 4, 5_000)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
