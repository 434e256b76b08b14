// reStructuredText through docutils (the maintained implementation, in Python): one long-lived
// `python3 render_rst.py` per process, fed a JSON line per document, so no page starts a
// process. It is started on first use and again if it dies; a document that takes longer than
// the timeout gets an error (and the process is restarted, in case it is stuck).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../python/render_rst.py', import.meta.url));

interface Pending {
  resolve(html: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RstRenderer {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  constructor(
    private readonly python = 'python3',
    private readonly timeoutMs = 10_000,
  ) {}

  /** The document as an HTML fragment; rejects when docutils cannot be run or cannot read it. */
  render(source: string): Promise<string> {
    const child = this.start();
    const id = this.next++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`reStructuredText took over ${this.timeoutMs} ms`));
        this.stop();
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ id, source })}\n`);
    });
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.stdin.end();
    child?.kill();
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.python, ['-u', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let answer: { id: number; html?: string; error?: string };
      try {
        answer = JSON.parse(line) as typeof answer;
      } catch {
        return;
      }
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.pending.delete(answer.id);
      clearTimeout(waiting.timer);
      if (typeof answer.html === 'string') waiting.resolve(answer.html);
      else waiting.reject(new Error(answer.error ?? 'docutils gave no answer'));
    });
    const fail = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const [id, waiting] of this.pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error(why));
        this.pending.delete(id);
      }
    };
    child.on('error', (error) => fail(`cannot run ${this.python}: ${error.message}`));
    child.on('exit', (code) => fail(`the reStructuredText renderer stopped (${code ?? 'signal'}): ${stderr.trim() || 'no message'}`));
    child.stdin.on('error', () => undefined);
    return child;
  }
}
