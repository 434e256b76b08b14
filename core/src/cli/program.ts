// The `pagurus` command line: its commands and options, with --help on each.
import { Command } from 'commander';
import { CORE_VERSION } from '../version.js';
import { accountCommands } from './account-commands.js';
import { migrateCommand, pluginsCommand, serveCommand, workerCommand, type GlobalOptions } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('pagurus')
    .description("Pagurus, a git forge speaking Pagure's API")
    .version(CORE_VERSION)
    .option('-c, --config <file>', 'config file (default: $PAGURUS_CONFIG, then ./pagurus.config.yaml)')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(`pagurus: ${text.replace(/^error: /, '')}`) });
  const global = () => program.opts<GlobalOptions>();

  program
    .command('serve')
    .description('serve the web UI, the API and git over HTTP (embedded: also runs jobs and migrates)')
    .option('-p, --port <port>', 'port to listen on (overrides port / PAGURUS_PORT)')
    .option('--host <address>', 'address to listen on (overrides host / PAGURUS_HOST)')
    .option('--with-worker', 'also run queued jobs in this process when Redis is configured')
    .action((options: { port?: string; host?: string; withWorker?: boolean }) => serveCommand(global(), options));

  program
    .command('worker')
    .description('run queued jobs (needs redis.url); run as many as you like')
    .option('--concurrency <n>', 'jobs run at once (overrides worker.concurrency)')
    .action((options: { concurrency?: string }) => workerCommand(global(), options));

  program
    .command('migrate')
    .description("create or update the database tables: core's, then each enabled plugin's")
    .action(() => migrateCommand(global()));

  program
    .command('plugins')
    .description('list the enabled plugins and theme, with their versions')
    .action(() => pluginsCommand(global()));

  accountCommands(program, global);

  return program;
}
