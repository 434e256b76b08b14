// Core's migrations, in the order they run. Later features append here.
import type { MigrationSet } from '../types.js';
import { instance } from './0001-instance.js';

export const coreMigrations: MigrationSet = {
  owner: 'core',
  migrations: [instance],
};
