// A project's CI settings, with Pagure CI's keys: the project settings page's "Jenkins CI"
// section, and GET/POST /api/0/<repo>/plugins/ci-jenkins.
import { ciSettingsFields, ciSettingsShape, z, type ForgeApi, type PluginSettingsHandle } from '@pagurus/core';

const httpUrl = z
  .string()
  .trim()
  .refine((value) => value === '' || /^https?:\/\/[^\s/]+/.test(value), 'An http:// or https:// URL')
  .default('');

export const settingsSchema = z.object({
  ci_url: httpUrl,
  ci_job: z
    .string()
    .trim()
    .regex(/^[^\s?#]*$/, 'A job name, without spaces')
    .max(255)
    .default(''),
  ci_username: z.string().trim().max(255).default(''),
  ci_password: z.string().max(1024).default(''),
  ...ciSettingsShape,
});

export type JenkinsSettings = z.output<typeof settingsSchema>;

export function defineSettings(forge: ForgeApi, flagUsername: string): PluginSettingsHandle<JenkinsSettings> {
  return forge.settings.define({
    title: 'Jenkins CI',
    description:
      'Builds pull requests and chosen branches on Jenkins and shows the results as flags. In the Jenkins job, allow remote triggers with the token below, and send the Notification plugin\'s "build finished" to the notification URL.',
    fields: [
      { name: 'ci_url', label: 'Jenkins URL', type: 'text', help: 'https://jenkins.example.org/' },
      { name: 'ci_job', label: 'Job name', type: 'text' },
      { name: 'ci_username', label: 'Jenkins user', type: 'text', help: 'When the server needs one to start builds.' },
      { name: 'ci_password', label: 'Its API token', type: 'secret' },
      ...ciSettingsFields(flagUsername),
    ],
    schema: settingsSchema,
  });
}

/** Whether CI is set up at all for the project. */
export const configured = (settings: JenkinsSettings): boolean => settings.ci_url !== '' && settings.ci_job !== '';
