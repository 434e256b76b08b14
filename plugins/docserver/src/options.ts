// The docserver's options, as the instance admin lists them under the plugin in the config.
import { z } from '@pagurus/core';

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL');

export const optionsSchema = z
  .object({
    /** Where the docs are served (Pagure's DOC_APP_URL): an origin of their own, never the forge's. */
    doc_url: httpUrl,
    /** The branch served; absent: the docs repository's default branch (its HEAD). */
    branch: z
      .string()
      .regex(/^[\w][\w./-]*$/, 'must be a branch name')
      .optional(),
    /** Where the doc server listens. */
    host: z.string().min(1).default('127.0.0.1'),
    /** When set, `pagurus serve` serves the docs on this port itself (one process, as on the embedded database). */
    port: z.number().int().min(0).max(65535).optional(),
    /** Rendered pages kept in memory, in bytes. */
    cache_bytes: z
      .number()
      .int()
      .min(0)
      .default(8 * 1024 * 1024),
    /** The Python with docutils that renders reStructuredText. */
    python: z.string().min(1).default('python3'),
  })
  .strict();

export type DocserverOptions = z.infer<typeof optionsSchema>;
