// The plugin's options, as the admin gives them under `plugins:` in pagurus.config.yaml.
import { z } from '@pagurus/core';

export const optionsSchema = z.object({
  /** The name the flags show ("Jenkins"); what a project that requires its CI waits for. */
  flag_username: z.string().min(1).max(255).default('Jenkins'),
  /** A pull-request comment that is one of these (case and spacing aside) builds it again, as Pagure's TRIGGER_CI. */
  trigger_phrases: z.array(z.string().min(1)).default(['pretty please pagure-ci rebuild']),
  /** How long one call to Jenkins may take, in milliseconds. */
  timeout_ms: z.number().int().min(100).default(10_000),
  /** Tries of a trigger or a result fetch before it gives up (a trigger that gives up sets an error flag). */
  attempts: z.number().int().min(1).max(20).default(5),
  /** The first retry waits this long, doubling after each. */
  backoff_ms: z.number().int().min(10).default(2_000),
});

export type JenkinsOptions = z.output<typeof optionsSchema>;
