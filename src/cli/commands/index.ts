// Every command, registered on the program. One file per command.

import type { Command } from 'commander';
import type { Action } from '../main.js';
import { registerInit } from './init.js';
import { registerCreate } from './create.js';
import { registerList } from './list.js';
import { registerLs } from './ls.js';
import { registerRestore } from './restore.js';
import { registerDump } from './dump.js';
import { registerDemo } from './demo.js';
import { registerKey } from './key.js';
import { registerCopy } from './copy.js';
import { registerStats } from './stats.js';
import { registerDiff } from './diff.js';
import { registerVerify } from './verify.js';
import { registerReport } from './report.js';
import { registerForget } from './forget.js';
import { registerPrune } from './prune.js';
import { registerUnlock } from './unlock.js';
import { registerLog } from './log.js';
import { registerCheck } from './check.js';
import { registerRepair } from './repair.js';

export type Run = (action: Action) => (...args: unknown[]) => Promise<void>;

export function registerCommands(program: Command, run: Run): void {
  for (const register of [registerInit, registerCreate, registerList, registerLs, registerRestore, registerDump, registerDemo, registerKey, registerCopy, registerStats]) register(program, run);
  for (const register of [registerForget, registerPrune, registerUnlock, registerLog]) register(program, run);
  for (const register of [registerCheck, registerRepair]) register(program, run);
  for (const register of [registerDiff, registerVerify, registerReport]) register(program, run);
}

/** Repeatable options collect into an array. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
