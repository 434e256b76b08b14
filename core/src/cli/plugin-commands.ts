// Plugins' own `pagurus <command>`s: before the command line is parsed, the configured
// plugins are loaded (no database needed) and each one's `commands` adds its subcommands,
// so `pagurus --help` lists them. An action boots a forge in its process with its own role.
import { Command } from 'commander';
import pino from 'pino';
import { loadConfig, type Config } from '../config/index.js';
import { StartupError } from '../errors/index.js';
import { createForge, type Forge } from '../forge.js';
import { loadPlugins, type CliBootOptions, type CliCommandDefinition, type CliForge, type LoadedPlugin } from '../plugins/index.js';
import { CORE_VERSION } from '../version.js';
import { closeOnSignals, say } from './output.js';

const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

/** The config file the command line names (-c/--config before the command), if any. */
export function configArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '-c' || arg === '--config') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
    if (arg.startsWith('-c') && arg.length > 2 && !arg.startsWith('--')) return arg.slice(2);
    if (!arg.startsWith('-')) return undefined; // the command: its own options are not ours
  }
  return undefined;
}

/** The command the line asks for (its first operand), if any. */
function commandArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '-c' || arg === '--config') i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Runs a plugin command's action: boots forges on request, keeps a server running until a signal. */
async function runAction(plugin: LoadedPlugin, definition: CliCommandDefinition, config: Config, command: Command): Promise<void> {
  const booted: Forge[] = [];
  const stops: Array<() => Promise<void> | void> = [];
  let signalsHandled = false;
  const handleSignals = () => {
    if (signalsHandled) return;
    signalsHandled = true;
    closeOnSignals(async () => {
      for (const stop of stops) await stop();
      for (const forge of booted) await forge.close();
    });
  };
  await definition.action({
    args: [...command.args],
    options: command.opts<Record<string, string | boolean | undefined>>(),
    config,
    async boot(options: CliBootOptions = {}): Promise<CliForge> {
      const role = options.role ?? definition.name;
      const forge = await createForge({
        role,
        config,
        processJobs: options.processJobs ?? false,
        serveHttp: options.http ?? false,
        // A command whose standard output is a protocol (git over SSH, authorized keys) logs to stderr.
        logger: pino({ level: config.log.level, base: { role } }, options.logToStderr ? pino.destination(2) : undefined),
      });
      booted.push(forge);
      handleSignals();
      return Object.freeze({
        forge: forge.apiFor(plugin.name),
        listen: (port?: number, host?: string) => forge.listen(port, host),
        ready: () => forge.ready(),
        close: () => forge.close(),
      });
    },
    onStop(stop) {
      stops.push(stop);
      handleSignals();
    },
    say,
  });
}

function addCommand(program: Command, plugin: LoadedPlugin, definition: CliCommandDefinition, config: Config, taken: Map<string, string>) {
  const where = `plugin "${plugin.spec}"`;
  if (!definition || typeof definition.name !== 'string' || !COMMAND_NAME.test(definition.name)) {
    throw new StartupError(
      `${where}: a command's name must be lower-case letters, digits and dashes (got ${JSON.stringify(definition?.name)})`,
    );
  }
  if (typeof definition.action !== 'function') throw new StartupError(`${where}: command "${definition.name}" has no action`);
  const owner = taken.get(definition.name);
  if (owner) throw new StartupError(`${where}: command "${definition.name}" is taken (by ${owner})`);
  taken.set(definition.name, `plugin "${plugin.name}"`);
  const command = new Command(definition.name).description(`${definition.description} (plugin ${plugin.name})`);
  for (const argument of definition.arguments ?? []) {
    const required = argument.required ?? true;
    command.argument(required ? `<${argument.name}>` : `[${argument.name}]`, argument.description ?? '');
  }
  for (const option of definition.options ?? []) command.option(option.flags, option.description, option.default);
  command.action(async (...params: unknown[]) => {
    // commander passes the operands, the options, then the command itself.
    await runAction(plugin, definition, config, params.at(-1) as Command);
  });
  program.addCommand(command);
}

/**
 * Adds the configured plugins' commands to the program. A config or plugin that does not
 * load stops only a command that may be a plugin's: core's commands report such problems
 * themselves, and `pagurus --help` still answers.
 */
export async function addPluginCommands(program: Command, argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  const core = new Set(program.commands.map((c) => c.name()));
  // Command names and their owners: core's first, then each plugin's as they are added.
  const taken = new Map([...core].map((name) => [name, 'core'] as [string, string]));
  const wanted = commandArgument(args);
  try {
    const config = loadConfig({ file: configArgument(args) });
    const plugins = await loadPlugins(config.plugins, { baseDir: config.baseDir, coreVersion: CORE_VERSION });
    for (const plugin of plugins) {
      if (!plugin.definition.commands) continue;
      try {
        const registry = { command: (definition: CliCommandDefinition) => addCommand(program, plugin, definition, config, taken) };
        plugin.definition.commands(registry, plugin.options);
      } catch (error) {
        if (error instanceof StartupError) throw error;
        throw new StartupError(`plugin "${plugin.spec}": adding its commands failed: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    if (wanted === undefined || wanted === 'help' || core.has(wanted)) return;
    throw error;
  }
}
