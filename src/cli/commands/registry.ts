// cli/commands owns the command registry: one file per command, each parsing its options, calling
// one core operation (src/index.ts exports them) and printing.
//
// Every command, registered on the program. One file per command.
//
// Command modules are imported on demand: a run that names one command loads only that command's
// module (and so only the native modules it needs: lmdb, zstd, xattr, picomatch...), which keeps
// `snap --version` or `snap list` from paying for all of them (bench/fixed-cost.mjs). Help, an
// unknown command and anything the scan below cannot place load every command, in this order.

import type { Command } from 'commander';
import type { Action } from '../main.js';
import { GLOBAL_VALUE_OPTIONS, GLOBAL_VALUE_SHORTS } from '../globalOptions.js';

export type Run = (action: Action) => (...args: unknown[]) => Promise<void>;
type Register = (program: Command, run: Run) => void;

/** Name and aliases of each command, and how to load its registration. Keep in `snap --help` order. */
const COMMANDS: Array<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['init'], load: async () => (await import('./init.js')).registerInit },
  { names: ['create', 'backup'], load: async () => (await import('./create.js')).registerCreate },
  { names: ['list', 'snapshots'], load: async () => (await import('./list.js')).registerList },
  { names: ['ls'], load: async () => (await import('./ls.js')).registerLs },
  { names: ['restore'], load: async () => (await import('./restore.js')).registerRestore },
  { names: ['dump'], load: async () => (await import('./dump.js')).registerDump },
  { names: ['demo'], load: async () => (await import('./demo.js')).registerDemo },
  { names: ['key'], load: async () => (await import('./key.js')).registerKey },
  { names: ['copy'], load: async () => (await import('./copy.js')).registerCopy },
  { names: ['stats'], load: async () => (await import('./stats.js')).registerStats },
  { names: ['forget'], load: async () => (await import('./forget.js')).registerForget },
  { names: ['prune'], load: async () => (await import('./prune.js')).registerPrune },
  { names: ['unlock'], load: async () => (await import('./unlock.js')).registerUnlock },
  { names: ['log'], load: async () => (await import('./log.js')).registerLog },
  { names: ['check'], load: async () => (await import('./check.js')).registerCheck },
  { names: ['repair'], load: async () => (await import('./repair.js')).registerRepair },
  { names: ['diff'], load: async () => (await import('./diff.js')).registerDiff },
  { names: ['verify'], load: async () => (await import('./verify.js')).registerVerify },
  { names: ['report'], load: async () => (await import('./report.js')).registerReport },
];


/**
 * The command word of a command line (process.argv), or undefined when there is none or the line
 * is one this scan does not understand (`--`, a value-taking short option in a cluster).
 */
export function commandWord(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (!a.startsWith('-') || a === '-') return a;
    // A global option that takes a value (globalOptions.ts): the word after it is not the command.
    if (GLOBAL_VALUE_OPTIONS.has(a)) i++;
    else if (/^-[^-]/.test(a) && a.length > 2) {
      // A cluster of short flags (-qr): the first value-taking one takes the rest of the cluster, or
      // the next word when it comes last.
      const v = [...a.slice(1)].findIndex((c) => GLOBAL_VALUE_SHORTS.includes(c));
      if (v === a.length - 2) i++;
    }
  }
  return undefined;
}

export async function registerCommands(program: Command, run: Run, argv: readonly string[] = []): Promise<void> {
  const word = commandWord(argv);
  const wanted = COMMANDS.find((c) => word !== undefined && c.names.includes(word));
  if (wanted) return (await wanted.load())(program, run);
  // `snap --version` with no command needs none of them.
  if (word === undefined && argv.includes('--version') && !argv.some((a) => a === '-h' || a === '--help')) return;
  for (const register of await Promise.all(COMMANDS.map((c) => c.load()))) register(program, run);
}

/** Repeatable options collect into an array. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
