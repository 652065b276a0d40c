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

export type Run = (action: Action) => (...args: unknown[]) => Promise<void>;

export function registerCommands(program: Command, run: Run): void {
  for (const register of [registerInit, registerCreate, registerList, registerLs, registerRestore, registerDump, registerDemo]) register(program, run);
}

/** Repeatable options collect into an array. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
