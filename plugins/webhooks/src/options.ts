// The plugin's options, as the admin gives them under `plugins:` in pagurus.config.yaml.
import { z } from '@pagurus/core';
import { parseCidr } from './network-guard.js';

export const optionsSchema = z.object({
  /** Send events of private projects (and private issues) too; off by default, as Pagure never does. */
  private_projects: z.boolean().default(false),
  /** CIDR ranges that may be reached although they are loopback, link-local or private ("127.0.0.0/8", "fd00::/8"). */
  allowed_networks: z
    .array(z.string().refine((value) => parseCidr(value) !== undefined, { message: 'not a CIDR range such as 10.0.0.0/8 or fd00::/8' }))
    .default([]),
  /** Tries per delivery, the first included, for retryable failures (5xx, 408, 429, timeouts, connection errors). */
  attempts: z.number().int().min(1).max(50).default(5),
  /** How long one POST may take, connecting and answering, in milliseconds. */
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  /** Delay before the first retry; it doubles after each, with jitter, up to max_backoff_ms. */
  backoff_ms: z.number().int().min(1).default(10_000),
  max_backoff_ms: z.number().int().min(1).default(3_600_000),
  /** How often each process looks for deliveries whose retry is due and events not yet fanned out (after a crash, say). */
  sweep_interval_ms: z.number().int().min(100).default(30_000),
  /** Delivered and failed deliveries older than this leave the log (checked hourly). */
  keep_days: z.number().int().min(1).default(30),
});

export type WebhooksOptions = z.output<typeof optionsSchema>;
