// A project's Travis CI settings: the project settings page's "Travis CI" section, and
// GET/POST /api/0/<repo>/plugins/ci-travis.
import { ciSettingsFields, ciSettingsShape, z, type ForgeApi, type PluginSettingsHandle } from '@pagurus/core';

export const DEFAULT_TRAVIS_URL = 'https://api.travis-ci.com';

/** `owner/name`, as Travis names a repository: letters, digits, `_`, `-` and `.`, neither part `.` or `..`. */
const SLUG = /^(?!\.\.?\/)[\w.-]+\/(?!\.\.?$)[\w.-]+$/;

export const settingsSchema = z.object({
  travis_url: z
    .string()
    .trim()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value), 'An http:// or https:// URL')
    .default(DEFAULT_TRAVIS_URL),
  repo_slug: z
    .string()
    .trim()
    .max(255)
    .refine((value) => value === '' || SLUG.test(value), 'The repository on Travis, as owner/name')
    .default(''),
  api_token: z.string().max(1024).default(''),
  ...ciSettingsShape,
});

export type TravisSettings = z.output<typeof settingsSchema>;

export function defineSettings(forge: ForgeApi, flagUsername: string): PluginSettingsHandle<TravisSettings> {
  return forge.settings.define({
    title: 'Travis CI',
    description:
      "Builds pull requests and chosen branches on Travis CI and shows the results as flags. In the repository's .travis.yml, send the webhook notifications to the notification URL (it holds the token below).",
    fields: [
      { name: 'travis_url', label: 'Travis API URL', type: 'text', help: `${DEFAULT_TRAVIS_URL} unless you run your own.` },
      { name: 'repo_slug', label: 'Repository on Travis', type: 'text', help: 'owner/name' },
      { name: 'api_token', label: 'Travis API token', type: 'secret', help: 'Of a Travis user who may start builds of the repository.' },
      ...ciSettingsFields(flagUsername),
    ],
    schema: settingsSchema,
  });
}

/** Whether Travis is set up at all for the project. */
export const configured = (settings: TravisSettings): boolean => settings.repo_slug !== '' && settings.api_token !== '';
