// The plugin's options, as the admin gives them under `plugins:` in pagurus.config.yaml.
import { z } from '@pagurus/core';

export const optionsSchema = z.object({
  /** The domain of the reply addresses (reply+...@<domain>): its MX, or a transport, leads to `pagurus milter`. */
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a domain name'),
  /** The largest reply taken, in bytes (a bigger one is refused with 552). */
  max_bytes: z
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Where the SMTP listener listens (`pagurus milter --port N`, or the server's own with `port`). */
  host: z.string().default('127.0.0.1'),
  /**
   * When set, `pagurus serve` takes replies over SMTP on this port itself (a small instance,
   * the embedded database), with no `pagurus milter` process.
   */
  port: z.number().int().min(1).max(65535).optional(),
});

export type MilterOptions = z.output<typeof optionsSchema>;
