// Core's migrations, in the order they run. Later features append here.
import type { MigrationSet } from '../types.js';
import { instance } from './0001-instance.js';
import { accounts } from './0002-accounts.js';
import { projects } from './0003-projects.js';
import { activity } from './0004-activity.js';
import { flags } from './0005-flags.js';
import { tickets } from './0006-tickets.js';
import { issueListingIndex } from './0007-issue-listing-index.js';
import { issueTemplates } from './0008-issue-templates.js';
import { loginSources } from './0009-login-sources.js';
import { pendingEmails } from './0010-pending-emails.js';
import { pluginSettings } from './0011-plugin-settings.js';
import { eventLog } from './0012-event-log.js';
import { mergeWhenReady } from './0013-merge-when-ready.js';
import { mailBatches } from './0014-mail-batches.js';
import { gitPushes } from './0015-git-pushes.js';
import { jobOutbox } from './0016-job-outbox.js';

export const coreMigrations: MigrationSet = {
  owner: 'core',
  migrations: [
    instance,
    accounts,
    projects,
    activity,
    flags,
    tickets,
    issueListingIndex,
    issueTemplates,
    loginSources,
    pendingEmails,
    pluginSettings,
    eventLog,
    mergeWhenReady,
    mailBatches,
    gitPushes,
    jobOutbox,
  ],
};
