// The fuzz harness in `npm test`: the sweep (every object kind × every command, both repositories,
// 120 CLI runs, ~45 s of CPU: under a minute on 2 idle cores, 4 minutes at load 20).
// `npm run fuzz -- --cases N [--seed S]` runs the long, random version through test/fuzz/run.mjs,
// which sets FUZZ_* for this file.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { tmpDir } from '../e2e/helpers.js';
import { buildBases, fullCases, parseSpec, randomCases, runCases, sweepCases, type FuzzCase } from './harness.js';
import type { BaseRepo } from './baseRepos.js';

const SWEEP_SEED = 1;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : SWEEP_SEED;
const count = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : 0;
const replay = process.env.FUZZ_REPLAY;
const long = count > 0 || !!replay || !!process.env.FUZZ_FULL;
const LONG_TIMEOUT_MS = 24 * 3600_000;

/** FUZZ_ONLY=kind[,kind] narrows a run to some object kinds (and FUZZ_COMMANDS to some commands). */
const only = process.env.FUZZ_ONLY?.split(',');
const onlyCommands = process.env.FUZZ_COMMANDS?.split(',');

function cases(): FuzzCase[] {
  if (replay) return replay.split(',').map(parseSpec);
  const all = process.env.FUZZ_FULL ? fullCases(seed) : count > 0 ? randomCases(seed, count) : sweepCases(seed);
  return all.filter((c) => (!only || only.includes(c.kind)) && (!onlyCommands || onlyCommands.includes(c.command)));
}

describe('fuzz: damaged repository objects', () => {
  const scratch = tmpDir('snap-fuzz-');
  let bases: Map<boolean, BaseRepo>;
  beforeAll(async () => {
    const t0 = Date.now();
    bases = await buildBases(scratch);
    console.log(`fuzz: base repositories built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('every command survives every kind of damage (sweep: 120 CLI runs, ~45 s of CPU, longer on busy cores)', { timeout: long ? LONG_TIMEOUT_MS : 300_000 }, async () => {
    const list = cases();
    const report = await runCases(list, bases, scratch, {
      seed,
      parallel: Number(process.env.FUZZ_PARALLEL ?? 2),
      log: long ? (s) => console.log(s) : undefined,
      verbose: process.env.FUZZ_VERBOSE ? (s) => console.log(s) : undefined,
      messages: long,
    });
    console.log(report.text);
    expect(report.results).toHaveLength(list.length);
    expect(report.failures.map((f) => `${f.spec}: ${f.problems.join('; ')}`)).toEqual([]);
  });
});
