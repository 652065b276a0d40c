// cli/ owns the command line: commander wiring, options, output (text and --json), progress, and
// the one table that maps the core's error classes to exit codes (errorTable.ts).
// The `snap` program: global options, the commands, and turning any failure into CLI.md's exit code,
// a one-line message on stderr and, with --json, an error document on stdout.

import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.js';
import { InterruptedError } from '../errors.js';
import { classify, EXIT } from './errorTable.js';
import { CliContext, type GlobalOptions } from './context.js';
import { escapeControl, jsonStreamStarted, printJson } from './output.js';
import { registerCommands } from './commands/registry.js';
import { GLOBAL_OPTIONS } from './globalOptions.js';
import { installFaultHooks } from './faultHooks.js';
import { setHelperPath } from '../tree/fsMetadata.js';

export type Action = (ctx: CliContext, ...args: unknown[]) => Promise<number | void>;

export async function main(argv: string[]): Promise<number> {
  // What the core may not read itself: crash-test hooks, the helpers' search path.
  installFaultHooks(process.env);
  setHelperPath(process.env.PATH);
  const controller = new AbortController();
  let exitCode: number = EXIT.ok;
  const wantsJson = argv.includes('--json');
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    controller.abort();
    // A second signal, or a command that does not stop within the grace period, ends the process.
    if (interrupts > 1) process.exit(EXIT.interrupted);
    setTimeout(() => process.exit(EXIT.interrupted), 15_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const program = new Command('snap')
    .description('snap: content-addressed, deduplicating, encrypted snapshots of your directories')
    .version(VERSION, '--version');
  for (const o of GLOBAL_OPTIONS) program.option(o.flags, o.description);
  program
    .showHelpAfterError(false)
    .exitOverride()
    // Commander's own error lines are replaced by ours (one line, JSON aware); help text still goes out.
    .configureOutput({ writeErr: (str) => (str.startsWith('error:') ? undefined : process.stderr.write(str)) });

  const run =
    (action: Action) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      // "create", "key add": the command's path below the program, for the request ledger.
      const names: string[] = [];
      for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
      const ctx = new CliContext(cmd.optsWithGlobals() as GlobalOptions, controller.signal, names.join(' '));
      const code = await action(ctx, ...args.slice(0, -1));
      // A command that finished (the core throws InterruptedError when it stops early) has printed
      // its result: a signal that came in its last moments does not turn that into exit 130 with a
      // second, contradicting document on stdout.
      exitCode = code ?? EXIT.ok;
    };
  // Only the named command's module is loaded (start-up cost: bench/fixed-cost.mjs).
  await registerCommands(program, run, argv);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      if (e.code === 'commander.help') {
        // A command group without its subcommand: help went to stderr; that is a usage error.
        if (e.exitCode === 0) return EXIT.ok;
        return fail(wantsJson, { exit: EXIT.failure, code: 'invalid_argument', message: 'a subcommand is needed (see the help above)' });
      }
      const message = e.message.replace(/^error: /, '');
      return fail(wantsJson, { exit: EXIT.failure, code: 'invalid_argument', message });
    }
    const c = controller.signal.aborted && !(e instanceof Error && e.name === 'LockLostError') ? classify(new InterruptedError()) : classify(e);
    if (process.env.SNAP_DEBUG === '1') process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    return fail(wantsJson, c);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}

function fail(json: boolean, c: { exit: number; code: string; message: string }): number {
  process.stderr.write(`snap: ${escapeControl(c.message)}\n`);
  if (json && !jsonStreamStarted()) printJson({ error: { code: c.code, exit_code: c.exit, message: c.message } });
  return c.exit;
}

export { Option };
