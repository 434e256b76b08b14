// @pagurus/core: what plugin authors and embedders import. Nothing else is public.
export { z } from 'zod';
export type { Knex } from 'knex';
export type { Logger } from 'pino';

export { createForge, Forge, type CreateForgeOptions } from './forge.js';
export { CORE_VERSION } from './version.js';
export { PAGURE_API_VERSION } from './http/index.js';

export { loadConfig, CONFIG_KEYS, envNameOf, type Config, type PluginEntry, type LoadConfigOptions } from './config/index.js';
export type { Migration } from './db/index.js';
export type { JobData, JobValue, TaskState, TaskStatus, PubSub } from './queue/index.js';
export { FinalJobError } from './queue/index.js';
export * from './domain/index.js';
export * from './errors/index.js';
export {
  definePlugin,
  isTopic,
  type AccessCheck,
  type EnqueuedTask,
  type EventBody,
  type EventsApi,
  type EventTopic,
  type ForgeApi,
  type ForgeContext,
  type ForgeContextExtras,
  type ForgeEvent,
  type ForgeEventMap,
  type ForgeHooks,
  type ForgeRouter,
  type ForgeState,
  type HookName,
  type JobContext,
  type JobDefinition,
  type JobPriority,
  type JobQueueApi,
  type JobRegistry,
  type NavContext,
  type NavLink,
  type OptionsSchema,
  type PluginDefinition,
  type ProcessRole,
  type PushCheck,
  type PushedRef,
  type PushSummary,
  type Refusal,
  type RequestToken,
  type TemplateRegistry,
} from './plugins/index.js';
