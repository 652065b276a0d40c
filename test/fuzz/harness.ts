// The fuzz harness: cases (repository × object kind × mutation × command), run two at a time on
// copies of the base repositories, judged, counted. A case is fully named by its spec string
// `enc|plain:<kind>:<mutation>:<command>:<json 0|1>:<case seed>`, which is what --replay takes.

import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { cacheFolderName } from '../../src/repository/repository.js';
import path from 'node:path';
import { buildBase, env, type BaseRepo } from './baseRepos.js';
import { CHEAP, COMMANDS, argsFor, judge, runCli, type Command, type Handling } from './commands.js';
import { KNOWN_FAILURES } from './knownFailures.js';
import { MUTATIONS, OBJECT_KINDS, applyMutation, int, kindsOf, rng, type Mutation, type ObjectKind } from './mutations.js';

export interface FuzzCase {
  encrypted: boolean;
  kind: ObjectKind;
  mutation: Mutation;
  command: Command;
  json: boolean;
  seed: number;
}

export function specOf(c: FuzzCase): string {
  return [c.encrypted ? 'enc' : 'plain', c.kind, c.mutation, c.command, c.json ? 1 : 0, c.seed].join(':');
}

export function parseSpec(s: string): FuzzCase {
  const [enc, kind, mutation, command, json, seed] = s.split(':');
  return { encrypted: enc === 'enc', kind: kind as ObjectKind, mutation: mutation as Mutation, command: command as Command, json: json === '1', seed: Number(seed) };
}

/**
 * The sweep (what `npm test` runs): every object kind × every command once, the repository
 * alternating between encrypted and not (key files: encrypted only) and the mutation rotating, so
 * every (kind, mutation) pair and every (kind, command) pair occurs.
 */
export function sweepCases(seed: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  const r = rng(seed);
  OBJECT_KINDS.forEach((kind, k) => {
    COMMANDS.forEach((command, c) => {
      const encrypted = kind === 'key' || (k + c) % 2 === 0;
      const mutation = MUTATIONS[(k + c) % MUTATIONS.length];
      out.push({ encrypted, kind, mutation, command, json: (k + c) % 3 === 0 && command !== 'dump', seed: int(r, 2 ** 31) });
    });
  });
  return out;
}

/** Every combination (`npm run fuzz -- --full`): both repositories × kinds × mutations × commands. */
export function fullCases(seed: number): FuzzCase[] {
  const r = rng(seed);
  const out: FuzzCase[] = [];
  for (const encrypted of [true, false]) {
    for (const kind of kindsOf({ encrypted })) {
      MUTATIONS.forEach((mutation, m) => {
        COMMANDS.forEach((command, c) => out.push({ encrypted, kind, mutation, command, json: (m + c) % 2 === 0 && command !== 'dump', seed: int(r, 2 ** 31) }));
      });
    }
  }
  return out;
}

/** A random run (the long fuzz): mostly cheap commands, every third case any command. */
export function randomCases(seed: number, n: number): FuzzCase[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const encrypted = r() < 0.5;
    const kinds = kindsOf({ encrypted });
    const command = i % 3 === 2 ? COMMANDS[int(r, COMMANDS.length)] : CHEAP[int(r, CHEAP.length)];
    return {
      encrypted, kind: kinds[int(r, kinds.length)], mutation: MUTATIONS[int(r, MUTATIONS.length)], command,
      json: command !== 'dump' && r() < 0.3, seed: int(r, 2 ** 31),
    };
  });
}

export interface CaseResult {
  spec: string;
  mutation: string;
  args: string[];
  code: number | null;
  handling: Handling;
  problems: string[];
  /** Why it is tolerated for now (KNOWN_FAILURES), when it failed. */
  known?: string;
  stderr: string;
  ms: number;
}

export interface FuzzReport {
  seed: number;
  results: CaseResult[];
  failures: CaseResult[];
  known: CaseResult[];
  text: string;
}

async function runCase(c: FuzzCase, bases: Map<boolean, BaseRepo>, scratch: string, timeoutMs: number): Promise<CaseResult> {
  const base = bases.get(c.encrypted)!;
  const caseDir = mkdtempSync(path.join(scratch, 'case-'));
  try {
    const repo = path.join(caseDir, 'repo');
    const cache = path.join(caseDir, 'cache');
    cpSync(base.repo, repo, { recursive: true });
    cpSync(base.cache, cache, { recursive: true });
    if (c.command === 'copy') cpSync(base.copyTarget, path.join(caseDir, 'copy-target'), { recursive: true });
    const mutation = applyMutation(c.kind, c.mutation, base, caseDir, rng(c.seed));
    // The cache folder is bound to the repository's location (repository.ts): the copy's cache, and
    // its mutated files, must sit where a client of the copy looks for them.
    const copied = path.join(cache, base.cacheId);
    if (existsSync(copied)) renameSync(copied, path.join(cache, cacheFolderName(base.cacheId.slice(0, REPO_ID_HEX), repo)));
    const args = argsFor(c.command, base, caseDir, c.json);
    const run = await runCli(args, env(base, repo, cache), caseDir, timeoutMs);
    const v = judge(c.command, c.json, run, base, caseDir);
    const spec = specOf(c);
    const key = `${c.kind}/${c.command}`;
    const known = v.problems.length > 0 ? (c.json ? KNOWN_FAILURES[`${key} --json`] : undefined) ?? KNOWN_FAILURES[key] : undefined;
    return { spec, mutation, args, code: run.code, handling: v.handling, problems: v.problems, known, stderr: run.stderr, ms: run.ms };
  } finally {
    rmSync(caseDir, { recursive: true, force: true });
  }
}

export async function buildBases(scratch: string): Promise<Map<boolean, BaseRepo>> {
  const [enc, plain] = await Promise.all([buildBase(path.join(scratch, 'base-enc'), true), buildBase(path.join(scratch, 'base-plain'), false)]);
  return new Map([[true, enc], [false, plain]]);
}

/** A repository id in hex: the start of a cache folder's name (`<id>-<location hash>`). */
const REPO_ID_HEX = 64;

/** Run the cases `parallel` at a time; `log` gets one line per failing case as it happens. */
export async function runCases(cases: FuzzCase[], bases: Map<boolean, BaseRepo>, scratch: string, opts: { seed: number; parallel?: number; timeoutMs?: number; log?: (s: string) => void; verbose?: (s: string) => void; messages?: boolean }): Promise<FuzzReport> {
  const results: CaseResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const r = await runCase(cases[next++], bases, scratch, opts.timeoutMs ?? 30_000);
      results.push(r);
      if (r.problems.length > 0) opts.log?.(describeFailure(r));
      else opts.verbose?.(`ok ${r.spec} (${r.handling}, exit ${r.code}, ${r.ms} ms): ${r.mutation} | ${r.stderr.trim().split('\n')[0] ?? ''}`);
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 2 }, worker));
  results.sort((a, b) => (a.spec < b.spec ? -1 : 1));
  const failures = results.filter((r) => r.problems.length > 0 && !r.known);
  const known = results.filter((r) => r.problems.length > 0 && r.known);
  return { seed: opts.seed, results, failures, known, text: summarize(opts.seed, results, failures, known, !!opts.messages) };
}

export function describeFailure(r: CaseResult): string {
  const err = r.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300);
  return `${r.known ? 'KNOWN ' : ''}FAIL ${r.spec}\n  mutation: ${r.mutation}\n  snap ${r.args.join(' ')} -> exit ${r.code}: ${r.problems.join('; ')}\n  stderr: ${err}`;
}

function summarize(seed: number, results: CaseResult[], failures: CaseResult[], known: CaseResult[], withMessages: boolean): string {
  const byCmd = new Map<string, Record<Handling, number>>();
  for (const r of results) {
    const cmd = r.spec.split(':')[3];
    const row = byCmd.get(cmd) ?? { refused: 0, warned: 0, succeeded: 0 };
    row[r.handling]++;
    byCmd.set(cmd, row);
  }
  const lines = [`fuzz: seed ${seed}, ${results.length} cases, ${failures.length} failures, ${known.length} known failures (tolerated, see knownFailures.ts)`];
  lines.push('command           refused  warned  succeeded');
  for (const cmd of COMMANDS) {
    const row = byCmd.get(cmd);
    if (row) lines.push(`${cmd.padEnd(16)} ${String(row.refused).padStart(8)} ${String(row.warned).padStart(7)} ${String(row.succeeded).padStart(10)}`);
  }
  const knownKeys = [...new Set(known.map((r) => {
    const [, kind, , cmd, json] = r.spec.split(':');
    return json === '1' && KNOWN_FAILURES[`${kind}/${cmd} --json`] ? `${kind}/${cmd} --json` : `${kind}/${cmd}`;
  }))].sort();
  if (knownKeys.length > 0) lines.push(`known failures seen (${knownKeys.length} kind/command pairs): ${knownKeys.join(', ')}`);
  const unseen = Object.keys(KNOWN_FAILURES).filter((k) => !knownKeys.includes(k)).sort();
  if (unseen.length > 0) lines.push(`known failures not hit in this run (one case per pair in the sweep; before removing one, check with npm run fuzz -- --full --only <kind>): ${unseen.join(', ')}`);
  for (const f of failures) lines.push(describeFailure(f));
  if (withMessages) lines.push(...messageTable(results));
  return lines.join('\n');
}

/** The first stderr line of every refusal, ids and paths masked, counted per object kind (for docs). */
function messageTable(results: CaseResult[]): string[] {
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.handling !== 'refused') continue;
    const first = r.stderr.trim().split('\n')[0] ?? '';
    const masked = first.replace(/[0-9a-f]{64}/g, '<id>').replace(/\b[0-9a-f]{8,10}\b/g, '<short>').replace(/\/tmp\/\S*/g, '<path>').replace(/\b\d+\b/g, 'N');
    const key = `${r.spec.split(':')[1]}\t${masked}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return ['messages of refusals (kind, count, first stderr line):', ...[...counts].sort().map(([k, n]) => `  ${k.replace('\t', `\t${n}\t`)}`)];
}
