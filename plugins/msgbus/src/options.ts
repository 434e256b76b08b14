// The plugin's options, as the admin gives them under `plugins:` in pagurus.config.yaml.
import { z } from '@pagurus/core';
import { tlsSchema } from './tls.js';

export const optionsSchema = z.object({
  amqp: z
    .object({
      /** amqp://user:password@host:5672/vhost, or amqps:// for TLS. */
      url: z.string().regex(/^amqps?:\/\//, 'an amqp:// or amqps:// URL'),
      /** The exchange messages go to (a topic exchange). */
      exchange: z.string().min(1).default('amq.topic'),
      /** Routing keys are <topic_prefix>.pagure.<topic>. */
      topic_prefix: z.string().min(1).default('org.fedoraproject.prod'),
      /** How long connecting may take before the try fails, in milliseconds. */
      connect_timeout_ms: z.number().int().min(100).default(5_000),
      /** With an amqps:// URL: the CA, and a client certificate and key. */
      tls: tlsSchema.optional(),
    })
    .optional(),
  mqtt: z
    .object({
      /** mqtt://user:password@host:1883, or mqtts:// for TLS. */
      url: z.string().regex(/^mqtts?:\/\//, 'an mqtt:// or mqtts:// URL'),
      /** Topics are <topic_prefix>/pagure/<topic with dots as slashes>. */
      topic_prefix: z.string().min(1).default('org/fedoraproject/prod'),
      connect_timeout_ms: z.number().int().min(100).default(5_000),
      /** With an mqtts:// URL: the CA, and a client certificate and key. */
      tls: tlsSchema.optional(),
    })
    .optional(),
  /** The first retry after the broker failed comes after this; it doubles up to max_backoff_ms. */
  backoff_ms: z.number().int().min(10).default(1_000),
  max_backoff_ms: z.number().int().min(10).default(30_000),
  /** How often each worker looks for messages left unsent (after a crash, say). */
  sweep_interval_ms: z.number().int().min(100).default(5_000),
});

export type MsgbusOptions = z.output<typeof optionsSchema>;
