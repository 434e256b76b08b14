// The SSH plugin's options, as the instance admin lists them under the plugin in the config.
import { z } from '@pagurus/core';

export const optionsSchema = z
  .object({
    /** The port `pagurus ssh` listens on when --port is not given. */
    port: z.number().int().min(0).max(65535).default(2222),
    /** Where it listens. */
    host: z.string().min(1).default('0.0.0.0'),
    /** `pagurus serve` runs the SSH server too (one process, as on the embedded database). */
    in_server: z.boolean().default(false),
    /** Where the host keys are kept (default: <data_dir>/ssh); made on first start. */
    host_key_dir: z.string().min(1).optional(),
    /** Where a push's hooks reach the forge's web server (default: the forge's url). */
    hook_url: z.string().url().optional(),
    /** Open connections from one address at once; more are cut at once. */
    max_connections_per_address: z.number().int().min(1).default(10),
    /** Keys a connection may try before it is cut. */
    max_auth_attempts: z.number().int().min(1).default(6),
    /** A connection that has not logged in by then is cut. */
    login_timeout_seconds: z.number().int().min(1).default(30),
    /** OpenSSH mode: the command line that starts pagurus in the forced command (default: the one `ssh keys` was started with). */
    forced_command: z.string().min(1).optional(),
    /** A connection silent this long is cut. */
    idle_timeout_seconds: z.number().int().min(1).default(600),
  })
  .strict();

export type SshOptions = z.infer<typeof optionsSchema>;
