// Runs an administrative command against the configured database, then closes it.
import pino from 'pino';
import { createForge, type Forge } from '../forge.js';
import { configFrom, type GlobalOptions } from './commands.js';

export async function withForge<T>(global: GlobalOptions, work: (forge: Forge) => Promise<T>): Promise<T> {
  const config = configFrom(global);
  // stdout carries the command's answer (a token, a table); logs go to stderr, warnings only by default.
  const level = config.log.level === 'info' ? 'warn' : config.log.level;
  const forge = await createForge({ role: 'cli', config, logger: pino({ level }, pino.destination(2)) });
  try {
    return await work(forge);
  } finally {
    await forge.close();
  }
}

/** All of standard input, without its final line break. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
