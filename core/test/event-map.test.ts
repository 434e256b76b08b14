// ForgeEventMap types core's topics for plugins. Most of this test is checked by the type
// checker (npm test runs it): a tap reads typed bodies, a wrong key is an error, and the JSON
// the services build still fits the payload types the map promises.
import assert from 'node:assert/strict';
import {
  isTopic,
  type CommentPayload,
  type EventBody,
  type FlagPayload,
  type ForgeEvent,
  type ForgeHooks,
  type IssuePayload,
  type ProjectPayload,
  type PullRequestPayload,
  type UserPayload,
} from '@pagurus/core';
import type { CommentJson, FlagJson, IssueJson, ProjectJson, PullRequestJson, UserJson } from '../src/services/index.js';

type Fits<A extends B, B> = A;
// If a service's JSON drifts from what the event map promises, these stop compiling.
export type Checks = [
  Fits<UserJson, UserPayload>,
  Fits<ProjectJson, ProjectPayload>,
  Fits<IssueJson, IssuePayload>,
  Fits<CommentJson, CommentPayload>,
  Fits<PullRequestJson, PullRequestPayload>,
  Fits<FlagJson, FlagPayload>,
];

/** What a plugin writes: it never runs here, it must only type-check. */
export function tapIssues(hooks: ForgeHooks, seen: number[]): void {
  hooks.event.tapPromise('typed', async (event) => {
    if (isTopic(event, 'issue.new')) {
      seen.push(event.body.issue.id);
      const title: string = event.body.project.fullname;
      // @ts-expect-error issue.new carries no `pullrequest`
      void event.body.pullrequest;
      void title;
    }
    if (isTopic(event, 'git.receive')) {
      const files: Record<string, string> = event.body.changed_files;
      // @ts-expect-error total_commits is a number
      const count: string = event.body.total_commits;
      void files;
      void count;
    }
  });
}

describe("the event map's types", () => {
  it('narrows an event to its topic at run time too', () => {
    const body: EventBody<'issue.comment.edited'> = {
      project: { fullname: 'rpms/pkg' } as ProjectPayload,
      comment: { id: 3, comment: 'hi' } as CommentPayload,
      agent: 'alice',
    };
    const event: ForgeEvent = {
      id: '1',
      sequence: 1,
      topic: 'issue.comment.edited',
      body,
      agent: 'alice',
      timestamp: new Date(0).toISOString(),
      visibility: { projectId: 1, projectPrivate: false, issuePrivate: false },
    };
    assert.equal(isTopic(event, 'issue.comment.edited') && event.body.comment.id, 3);
    assert.equal(isTopic(event, 'issue.new'), false);
  });

  it('keeps unknown topics open to plugins as plain records', () => {
    const body: EventBody<'someone.else'> = { anything: 1 };
    assert.deepEqual(body, { anything: 1 });
  });
});
