// A base for a test stand-in of a service that cannot run here (Jenkins, Travis, Bugzilla):
// a subclass answers requests the way the real service's documented API does; the base
// serves them on loopback (through startStubServer) and can play down or slow.
import { setTimeout as sleep } from 'node:timers/promises';
import { startStubServer, type StubAnswer, type StubRequest, type StubServer } from './stub-server.js';

export abstract class StandIn {
  /** While true, every request's socket is destroyed without an answer, as if the service were down. */
  down = false;
  /** When set, every answer waits this long first. */
  slowMs: number | undefined;
  private stub: StubServer | undefined;
  private base: string | undefined;

  /** Answers one request, as the service would. */
  protected abstract answer(request: StubRequest): StubAnswer | Promise<StubAnswer>;

  /** Listens on 127.0.0.1, on a free port (a new one after a stop). */
  async start(): Promise<this> {
    if (this.stub) return this;
    this.stub = await startStubServer((request) => this.receive(request));
    this.base = `${this.stub.url}/`;
    return this;
  }

  /** Stops listening and destroys every open socket (answers still waiting on slowMs are dropped). */
  async stop(): Promise<void> {
    const stub = this.stub;
    this.stub = undefined;
    await stub?.close();
  }

  /** The base URL, with a trailing slash: `http://127.0.0.1:PORT/`. */
  get url(): string {
    if (!this.base) throw new Error(`${this.constructor.name}: not started`);
    return this.base;
  }

  /** Throws (so the stub destroys the socket unanswered) while down, or when stopped during the wait. */
  private async receive(request: StubRequest): Promise<StubAnswer> {
    const stub = this.stub;
    if (this.slowMs && !this.down) await sleep(this.slowMs, undefined, { ref: false });
    if (this.down || !stub || stub !== this.stub) throw new Error(`${this.constructor.name}: down`);
    return this.answer(request);
  }
}
