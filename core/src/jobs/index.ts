// The worker side: job definitions and the function that runs a queued job.
export * from './registry.js';
export * from './outbox.js';
export * from './runner.js';
export * from './project-jobs.js';
export * from './git-receive-job.js';
export * from './pull-request-jobs.js';
export * from './pull-request-push-tap.js';
export * from './commit-reference-tap.js';
