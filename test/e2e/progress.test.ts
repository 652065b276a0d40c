// The progress display under a real pseudo-terminal (util-linux `script`): it shows files, bytes,
// rate and the current item (a percentage and an ETA where the total is known), it is cleared when
// the command ends so only the summary stays on the screen, and it is absent with --no-progress,
// --quiet, --json and when stderr is not a terminal.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, diffTrees, Sandbox, snapshotTree } from './helpers.js';
import { fitName, formatEta, progressText } from '../../src/cli/progress.js';

const COLUMNS = 120;
const SIZE = String.raw`\d+(?:\.\d+)? (?:B|kB|KiB|MiB|GiB)`;
/** What the display hides the cursor with: present exactly when a progress line was drawn. */
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The command line `script` runs: a fixed terminal size, then snap (stderr redirected if asked). */
function commandLine(args: string[], stderrFile?: string): string {
  const snap = [process.execPath, BIN, ...args].map(quote).join(' ');
  return `stty cols ${COLUMNS} rows 40 2>/dev/null; exec ${snap}${stderrFile ? ` 2>${quote(stderrFile)}` : ''}`;
}

interface TtyResult {
  code: number;
  /** Everything the terminal received (stdout and stderr both go to the PTY). */
  raw: string;
}

/** Run snap with stdout and stderr on a pseudo-terminal. */
function runTty(sb: Sandbox, args: string[], stderrFile?: string): TtyResult {
  const r = spawnSync('script', ['-qfec', commandLine(args, stderrFile), '/dev/null'], { env: sb.baseEnv(), input: '', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, raw: r.stdout.toString('utf8') };
}

/** As runTty, but type Ctrl-C on the terminal once `when` says so (the line discipline sends SIGINT). */
function runTtyCtrlC(sb: Sandbox, args: string[], when: () => boolean): Promise<TtyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', commandLine(args), '/dev/null'], { env: sb.baseEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    const poll = setInterval(() => {
      if (when()) {
        clearInterval(poll);
        child.stdin.write('\x03');
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      child.stdin.destroy();
      resolve({ code: code ?? -1, raw: Buffer.concat(out).toString('utf8') });
    });
  });
}

/**
 * What a terminal shows after receiving `raw`: a small emulator of the sequences the display and the
 * tty use (CR, LF, BS, CSI n G/A/B/C/D, CSI K / 2K, ESC 7 / ESC 8; mode switches ignored).
 */
export function screen(raw: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  const line = () => (lines[row] ??= []);
  for (let i = 0; i < raw.length; ) {
    const c = raw[i]!;
    if (c === '\x1b') {
      const m = /^\x1b(?:\[([?\d;]*)([A-Za-z])|([78]))/.exec(raw.slice(i, i + 16));
      if (!m) {
        i++;
        continue;
      }
      i += m[0].length;
      if (m[3] === '7') saved = { row, col };
      else if (m[3] === '8') ({ row, col } = saved);
      else {
        const n = m[1] && !m[1].startsWith('?') ? Number(m[1].split(';')[0]) : 0;
        switch (m[2]) {
          case 'G': col = Math.max(0, (n || 1) - 1); break;
          case 'A': row = Math.max(0, row - (n || 1)); break;
          case 'B': row += n || 1; break;
          case 'C': col += n || 1; break;
          case 'D': col = Math.max(0, col - (n || 1)); break;
          case 'K':
            if (m[1] === '2') lines[row] = [];
            else if (m[1] === '1') line().fill(' ', 0, col + 1);
            else line().length = Math.min(line().length, col);
            break;
          default: // modes (cursor, line wrap): no effect on the text
        }
      }
      continue;
    }
    if (c === '\r') col = 0;
    else if (c === '\n') row++;
    else if (c === '\b') col = Math.max(0, col - 1);
    else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = c;
    }
    i++;
  }
  const text = Array.from({ length: lines.length }, (_, k) => (lines[k] ?? []).join('').trimEnd());
  while (text.length && text[text.length - 1] === '') text.pop();
  return text;
}

/** The progress frames drawn: each text written after a cursor-to-column-1 and before an erase. */
function frames(raw: string): string[] {
  return [...raw.matchAll(/\x1b\[1G([^\x1b]*)\x1b\[0K/g)].map((m) => m[1]!);
}

/** The display was drawn, and at the end the cursor was shown again and line wrapping restored. */
function expectDisplayCleanedUp(raw: string): void {
  expect(raw).toContain(HIDE_CURSOR);
  expect(raw.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(raw.lastIndexOf(HIDE_CURSOR));
  expect(raw.lastIndexOf('\x1b[?7h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?7l'));
}

describe('progress display on a terminal', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  const fileNames: string[] = [];

  beforeAll(() => {
    // ~160 MB: long enough that the display (5 frames a second) draws several frames.
    mkdirSync(path.join(src, 'deep', 'er'), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const name = `part-${i}.bin`;
      writeFileSync(path.join(src, i % 2 ? 'deep/er' : '', name), randomBytes(20 * 1024 * 1024));
      fileNames.push(name);
    }
    for (let i = 0; i < 50; i++) writeFileSync(path.join(src, `small-${i}.txt`), `small file ${i}\n`);
    sb.init();
  }, 120_000);
  afterAll(() => sb.cleanup());

  it('create: files, bytes, rate and the current file; cleared at the end, the summary stays', () => {
    const r = runTty(sb, ['create', src]);
    expect(r.code, r.raw).toBe(0);
    const drawn = frames(r.raw);
    const live = drawn.filter((f) => new RegExp(`^backup \\d+ files, ${SIZE}, ${SIZE}/s .*part-\\d\\.bin$`).test(f));
    expect(live.length, drawn.join('\n')).toBeGreaterThan(0);
    // Counts grow: the last frame has read more than the first one with a current file.
    const mib = (f: string) => Number(/, (\d+(?:\.\d+)?) MiB,/.exec(f)?.[1] ?? 0);
    expect(mib(live[live.length - 1]!)).toBeGreaterThanOrEqual(mib(live[0]!));
    // No frame is wider than the terminal.
    for (const f of drawn) expect([...f].length).toBeLessThan(COLUMNS);
    expectDisplayCleanedUp(r.raw);
    const shown = screen(r.raw);
    expect(shown[0]).toMatch(/^snapshot [0-9a-f]{8} saved$/);
    expect(shown[1]).toMatch(/^ {2}files: 58 new, 0 changed, 0 unmodified; 3 dirs$/);
    expect(shown[2]).toMatch(new RegExp(`^  read ${SIZE}, added ${SIZE} \\(stored ${SIZE}\\) in [\\d.]+ s$`));
    expect(shown).toHaveLength(3);
    expect(shown.join('\n')).not.toMatch(/backup|MiB\/s/);
  });

  it('restore: a percentage and an ETA (the total is known); cleared at the end', () => {
    const target = sb.path('restored');
    const r = runTty(sb, ['restore', 'latest', target]);
    expect(r.code, r.raw).toBe(0);
    const live = frames(r.raw).filter((f) =>
      new RegExp(`^restore \\d{1,3}% \\d+ files, ${SIZE}, ${SIZE}/s, ETA (\\d+s|\\d+m\\d\\ds|\\d+h\\d\\dm) .*part-\\d\\.bin$`).test(f),
    );
    expect(live.length, frames(r.raw).join('\n')).toBeGreaterThan(0);
    expectDisplayCleanedUp(r.raw);
    const shown = screen(r.raw);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(new RegExp(`^restored 58 files, \\d+ dirs, ${SIZE} in [\\d.]+ s$`));
    expect(diffTrees(snapshotTree(src), snapshotTree(path.join(target, src)))).toEqual([]);
  });

  it('check --read-data: packs read, bytes, rate, percentage and ETA; cleared at the end', () => {
    const r = runTty(sb, ['check', '--read-data']);
    expect(r.code, r.raw).toBe(0);
    const live = frames(r.raw).filter((f) => new RegExp(`^read data \\d{1,3}% \\d+ packs, ${SIZE}, ${SIZE}/s, ETA \\S+ [0-9a-f]{8}`).test(f));
    expect(live.length, frames(r.raw).join('\n')).toBeGreaterThan(0);
    expectDisplayCleanedUp(r.raw);
    const shown = screen(r.raw);
    expect(shown[shown.length - 1]).toBe('no errors were found');
    expect(shown.join('\n')).not.toMatch(/read data|ETA/);
  });

  it('Ctrl-C on the terminal: the line is cleared and only "interrupted" stays', async () => {
    const target = sb.path('restored-interrupted');
    // Typed once restore is writing: a few MB are on disk.
    const r = await runTtyCtrlC(sb, ['restore', 'latest', target], () => dirBytes(target) > 8 << 20);
    expect(r.code, r.raw).toBe(130);
    expectDisplayCleanedUp(r.raw);
    expect(screen(r.raw)).toEqual(['snap: interrupted']);
    expect(readdirSync(path.join(sb.repo, 'locks'))).toEqual([]);
  });

  const quiet: Array<[string, string[], string | undefined]> = [
    ['--no-progress', ['--no-progress'], undefined],
    ['--quiet', ['--quiet'], undefined],
    ['--json', ['--json'], undefined],
    ['stderr not a terminal', [], 'stderr.txt'],
  ];
  for (const [what, flags, stderrFile] of quiet) {
    it(`no progress with ${what}`, () => {
      const errFile = stderrFile ? sb.path(stderrFile) : undefined;
      const r = runTty(sb, ['check', '--read-data', ...flags], errFile);
      expect(r.code, r.raw).toBe(0);
      expect(r.raw).not.toContain(HIDE_CURSOR);
      expect(r.raw).not.toMatch(/read data|\x1b/);
      if (errFile) expect(readFileSync(errFile, 'utf8')).toBe('');
      const shown = screen(r.raw);
      if (what === '--quiet') expect(shown).toEqual([]);
      else if (what === '--json') expect(JSON.parse(shown.join('\n'))).toMatchObject({ ok: true, packs_read: expect.any(Number) });
      else expect(shown[shown.length - 1]).toBe('no errors were found');
    });
  }

  it('no progress on create with --no-progress either; the summary is the same', () => {
    writeFileSync(path.join(src, 'new.txt'), 'new\n');
    const r = runTty(sb, ['create', src, '--no-progress']);
    expect(r.code, r.raw).toBe(0);
    expect(r.raw).not.toContain(HIDE_CURSOR);
    const shown = screen(r.raw);
    expect(shown[0]).toMatch(/^snapshot [0-9a-f]{8} saved$/);
    expect(shown[1]).toBe('  files: 1 new, 0 changed, 58 unmodified; 3 dirs');
  });
});

describe('progress text (pure)', () => {
  it('formats the ETA for people', () => {
    expect(formatEta(0)).toBe('0s');
    expect(formatEta(59.4)).toBe('59s');
    expect(formatEta(65)).toBe('1m05s');
    expect(formatEta(3725)).toBe('1h02m');
  });

  it('escapes control characters in names and keeps the end of long ones', () => {
    expect(fitName('a\nb\x1b[2Jc', 40)).toBe('a\\x0ab\\x1b[2Jc');
    expect(fitName('/very/long/path/to/the/file.bin', 16)).toBe('…to/the/file.bin');
    expect([...fitName('/x'.repeat(100), 30)]).toHaveLength(30);
    expect(fitName('/some/file', 5)).toBe('');
  });

  it('shows the percentage and ETA only with a known total', () => {
    expect(progressText('backup', { files: 3, unit: 'files', bytes: 3 << 20, rate: 1 << 20, total: 0 })).toBe('backup 3 files, 3 MiB, 1 MiB/s');
    expect(progressText('restore', { files: 3, unit: 'files', bytes: 3 << 20, rate: 1 << 20, total: 6 << 20 })).toBe('restore 50% 3 files, 3 MiB, 1 MiB/s, ETA 3s');
  });
});

function dirBytes(dir: string): number {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) n += statSync(path.join(e.parentPath, e.name), { throwIfNoEntry: false })?.size ?? 0;
    }
  } catch {
    return 0; // not made yet
  }
  return n;
}
