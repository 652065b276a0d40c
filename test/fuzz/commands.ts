// The commands the fuzz harness runs against a damaged repository, and the judge of what each one
// did. Pass = no signal, no hang, an exit code from CLI.md's table, no stack trace or internal error,
// one clear line when it fails, --json output that parses, and never exit 0 with wrong bytes.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BIN } from '../e2e/helpers.js';
import { hashTree, type BaseRepo } from './baseRepos.js';

export const COMMANDS = ['list', 'ls', 'restore', 'dump', 'diff', 'verify', 'check', 'check-read-data', 'stats', 'log', 'copy', 'create'] as const;
export type Command = (typeof COMMANDS)[number];
/** Commands that cost about one start-up of the CLI; the others read or write every pack. */
export const CHEAP: readonly Command[] = ['list', 'ls', 'dump', 'diff', 'verify', 'check', 'stats', 'log'];

/** Exit codes CLI.md documents; 3 only for create, 130 only when interrupted (never here). */
const DOCUMENTED_EXITS = new Set([0, 1, 10, 11, 12]);
/** Commands whose failure output is a list by design (check's errors, verify's differences, restore's lost files). */
const LISTING = new Set<Command>(['check', 'check-read-data', 'verify', 'restore']);
const DUMPED_FILE = 'bin.dat';

export function argsFor(cmd: Command, base: BaseRepo, caseDir: string, json: boolean): string[] {
  const [s1, , s3] = base.snapshots;
  const j = json ? ['--json'] : [];
  switch (cmd) {
    case 'list': return ['list', ...j];
    case 'ls': return ['ls', s3, '--recursive', ...j];
    case 'restore': return ['restore', `${s3}:${base.src}`, path.join(caseDir, 'target'), '--verify', ...j];
    case 'dump': return ['dump', s3, path.join(base.src, DUMPED_FILE)];
    case 'diff': return ['diff', s1, s3, ...j];
    case 'verify': return ['verify', `${s3}:${base.src}`, base.src, ...j];
    case 'check': return ['check', ...j];
    case 'check-read-data': return ['check', '--read-data', ...j];
    case 'stats': return ['stats', ...j];
    case 'log': return ['log', ...j];
    case 'copy': return ['copy', '--to', path.join(caseDir, 'copy-target'), ...j];
    case 'create': return ['create', base.src, ...j];
  }
}

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<RunOutcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), ms: Date.now() - t0 });
    });
  });
}

export type Handling = 'refused' | 'warned' | 'succeeded';
export interface Verdict {
  handling: Handling;
  problems: string[];
}

const STACK_FRAME = /^\s+at \S.*(\(|:\d+:\d+)/m;
const ERROR_DUMP = /^(\w*Error|Error)(\s\[\w+\])?: /m;
const INTERNAL = /internal error/i;

/** Judge one run. `caseDir` holds what restore wrote; `base` knows what was backed up. */
export function judge(cmd: Command, json: boolean, run: RunOutcome, base: BaseRepo, caseDir: string): Verdict {
  const problems: string[] = [];
  if (run.timedOut) problems.push('hung past the timeout');
  else if (run.signal) problems.push(`killed by ${run.signal}`);
  else if (run.code === null || !(DOCUMENTED_EXITS.has(run.code) || (cmd === 'create' && run.code === 3))) {
    problems.push(`exit code ${run.code} is not in CLI.md's table`);
  }
  if (STACK_FRAME.test(run.stderr) || ERROR_DUMP.test(run.stderr)) problems.push('stack trace or raw error dump on stderr');
  if (INTERNAL.test(run.stderr)) problems.push('"internal error" (an untyped error reached the CLI)');
  const lines = run.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const plain = lines.filter((l) => !/^(warning|note):/i.test(l));
  if (run.code !== 0 && run.code !== null && !run.timedOut) {
    if (lines.length === 0) problems.push(`exit ${run.code} with nothing on stderr`);
    else if (!LISTING.has(cmd) && plain.length > 1) problems.push(`${plain.length} lines on stderr, not one clear line`);
  }
  if (json && run.code !== null && !run.timedOut) {
    try {
      JSON.parse(run.stdout.toString());
    } catch {
      problems.push('--json output does not parse');
    }
  }
  if (run.code === 0) problems.push(...wrongBytes(cmd, run, base, caseDir));
  else if (cmd === 'restore' && run.code !== null) problems.push(...partialFiles(caseDir, base));
  const warned = lines.some((l) => /^warning:/i.test(l)) || run.code === 3;
  const handling: Handling = run.code !== 0 && run.code !== 3 ? 'refused' : warned ? 'warned' : 'succeeded';
  return { handling, problems };
}

/** Exit 0 promises the bytes: a restore must equal the source of snapshot 3, a dump its file. */
function wrongBytes(cmd: Command, run: RunOutcome, base: BaseRepo, caseDir: string): string[] {
  if (cmd === 'dump') {
    const want = base.manifest.get(DUMPED_FILE);
    const got = hashBuf(run.stdout);
    return got === want ? [] : [`dump exited 0 with bytes that differ from the backed-up ${DUMPED_FILE}`];
  }
  if (cmd !== 'restore') return [];
  const target = path.join(caseDir, 'target');
  if (!existsSync(target)) return ['restore exited 0 and wrote nothing'];
  const got = hashTree(target);
  const bad: string[] = [];
  for (const [p, h] of base.manifest) if (got.get(p) !== h) bad.push(p);
  for (const p of got.keys()) if (!base.manifest.has(p)) bad.push(p);
  return bad.length === 0 ? [] : [`restore exited 0 with ${bad.length} file(s) that differ from the backup: ${bad.slice(0, 3).join(', ')}`];
}

/**
 * A failed restore may leave files out, never a wrong or partial file under its real name (issue 12:
 * files are written under a temporary name and renamed into place only when complete).
 */
function partialFiles(caseDir: string, base: BaseRepo): string[] {
  const target = path.join(caseDir, 'target');
  if (!existsSync(target)) return [];
  const got = hashTree(target);
  const bad = [...got].filter(([p, h]) => base.manifest.has(p) && base.manifest.get(p) !== h).map(([p]) => p);
  return bad.length === 0 ? [] : [`restore failed and left ${bad.length} wrong or partial file(s) under their real names: ${bad.slice(0, 3).join(', ')}`];
}

function hashBuf(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
