// @pagurus/core: what plugin authors and embedders import. Nothing else is public.
export { z } from 'zod';
export type { Knex } from 'knex';
export type { Logger } from 'pino';

export { createForge, Forge, type CreateForgeOptions } from './forge.js';
export { CORE_VERSION } from './version.js';
export { PAGURE_API_VERSION } from './http/index.js';
export { renderMarkdown } from './plugin-services.js';

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
  type AuthorPayload,
  type CommentPayload,
  type FlagPayload,
  type IssuePayload,
  type ProjectPayload,
  type PullRequestCommentPayload,
  type PullRequestPayload,
  type UserPayload,
  type EnqueuedTask,
  type EventBody,
  type EventsApi,
  type EventTopic,
  type FlagFields,
  type FlagResult,
  type FlagStatus,
  type ForgeApi,
  type ForgeContext,
  type ForgeContextExtras,
  type ForgeEvent,
  type ForgeEventMap,
  type ForgeHooks,
  type ForgeRouter,
  type ForgeServices,
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
  type Viewer,
  type AccessFacade,
  type CommentsFacade,
  type FlagsFacade,
  type IssuesFacade,
  type MarkdownFacade,
  type ProjectsFacade,
  type PullRequestsFacade,
  type UsersFacade,
} from './plugins/index.js';
