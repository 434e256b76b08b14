// Travis' side of the kit's trigger: a build request for the branch, saying what it is for,
// with Pagure CI's parameters as global environment variables of the build.
import type { CiBuild } from '@pagurus/core';
import { TravisClient, type BuildRequest } from './client.js';
import type { TravisOptions } from './options.js';
import type { TravisSettings } from './settings.js';

/** The build request Travis is sent for what the kit asks to build. */
export function buildRequest(build: CiBuild): BuildRequest {
  const message = build.pullRequest
    ? `Pagurus: pull request #${build.pullRequest.id}: ${build.pullRequest.title}`
    : `Pagurus: push to ${build.branch}`;
  const env = [
    `PAGURUS_REPO=${build.repoUrl}`,
    `PAGURUS_BRANCH=${build.branch}`,
    `PAGURUS_BRANCH_TO=${build.branchTo ?? ''}`,
    `PAGURUS_CAUSE=${build.cause}`,
  ];
  return { branch: build.branch, message, config: { env: { global: env } } };
}

/**
 * The repository's page on Travis' web site, from the API's URL: `api.<host>` serves
 * `<host>` (api.travis-ci.com, travis-ci.com), and an enterprise `<host>/api` serves `<host>`.
 */
export function repoPage(settings: TravisSettings): string {
  const web = new URL(settings.travis_url);
  web.hostname = web.hostname.replace(/^api\./, '');
  web.pathname = web.pathname.replace(/(\/api)?\/?$/, '/');
  web.search = '';
  web.hash = '';
  return new URL(settings.repo_slug, web).href;
}

/** Asks Travis for the build; throws (so the kit tries again) when it cannot. */
export async function trigger(options: TravisOptions, build: CiBuild, settings: TravisSettings): Promise<{ url: string }> {
  await new TravisClient(settings.travis_url, options.timeout_ms).requestBuild(settings.repo_slug, settings.api_token, buildRequest(build));
  return { url: repoPage(settings) };
}
