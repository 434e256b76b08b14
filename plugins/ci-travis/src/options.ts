// The plugin's options, as the admin gives them under `plugins:` in pagurus.config.yaml: the
// CI kit's (flag_username, trigger_phrases, timeout_ms, attempts, backoff_ms).
import { ciOptionsShape, z } from '@pagurus/core';

export const optionsSchema = z.object(ciOptionsShape('Travis CI'));

export type TravisOptions = z.output<typeof optionsSchema>;
