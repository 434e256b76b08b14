// The page side: issue, pull-request and project pages get a sidebar panel naming their channels, with
// the script (static/sse/live.js) that opens one EventSource per tab and applies updates in
// place. Without JavaScript the panel says to reload, and nothing else changes.
import type { ForgeHooks } from '@pagurus/core';
import { SSE_PREFIX } from './route.js';

export function tapPanels(hooks: ForgeHooks): void {
  hooks.issueView.tap('sse', (panels, { project, issue }) => [
    ...panels,
    {
      id: 'sse-live',
      title: 'Live updates',
      partial: 'sse/live',
      data: { channels: `issue:${project.id}:${issue.id}`, stream: `${SSE_PREFIX}/stream` },
    },
  ]);
  hooks.pullRequestView.tap('sse', (panels, { project, pullRequest }) => [
    ...panels,
    {
      id: 'sse-live',
      title: 'Live updates',
      partial: 'sse/live',
      data: { channels: `pr:${project.id}:${pullRequest.id}`, stream: `${SSE_PREFIX}/stream` },
    },
  ]);
  hooks.projectView.tap('sse', (panels, { project }) => [
    ...panels,
    {
      id: 'sse-live',
      title: 'Live updates',
      partial: 'sse/live',
      data: { channels: `project:${project.id}`, stream: `${SSE_PREFIX}/stream`, activity: true },
    },
  ]);
}
