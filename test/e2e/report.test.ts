// `snap report --html`: one self-contained page, loaded in a real headless Chromium: it renders without
// script errors, every chart has a size, and the data it embeds is the growth the CLI reports.
// Chromium is installed here when missing (Debian's package); without it the browser checks are skipped
// with a loud note, and the page is still checked as text.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox, tmpDir } from './helpers.js';
import { pseudoRandom } from './statsFixtures.js';

const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/report.png', import.meta.url));
const BROWSER_TIMEOUT_MS = 90_000;
const INSTALL_TIMEOUT_MS = 600_000;

function findChromium(): string | undefined {
  for (const bin of ['chromium', 'chromium-browser', 'google-chrome']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0) return bin;
  }
  return undefined;
}

/** Chromium, installed from Debian's archive when missing (that takes a minute); undefined when impossible. */
function ensureChromium(): string | undefined {
  const found = findChromium();
  if (found) return found;
  console.warn('report test: chromium is missing; installing it with apt-get (this may take a minute)');
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: INSTALL_TIMEOUT_MS });
    install();
  }
  return findChromium();
}

const profiles: string[] = [];

/** A fresh browser profile per run (parallel runs must not share one); removed after the tests. */
function profileDir(): string {
  const d = tmpDir('snap-chromium-');
  profiles.push(d);
  return d;
}

function chromium(bin: string, args: string[], profile: string) {
  return spawnSync(
    bin,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', `--user-data-dir=${profile}`,
      '--enable-logging=stderr', '--v=0', ...args],
    { timeout: BROWSER_TIMEOUT_MS, maxBuffer: 64 << 20 },
  );
}

interface Row {
  snapshot_id: string;
  bytes_added: number;
}

describe('report --html', () => {
  const sb = new Sandbox();
  let browser: string | undefined;
  let src: string;
  let file: string;
  const ids: string[] = [];
  beforeAll(() => {
    browser = ensureChromium();
    if (!browser) console.warn('\n\n*** report test: CHROMIUM IS NOT AVAILABLE AND COULD NOT BE INSTALLED: the browser checks are SKIPPED ***\n\n');
    sb.init();
    src = sb.path('src');
    mkdirSync(path.join(src, 'photos'), { recursive: true });
    mkdirSync(path.join(src, 'notes'));
    // Ten nights of a small home directory: notes grow (compressible), photos arrive now and then.
    for (let night = 1; night <= 10; night++) {
      writeFileSync(path.join(src, 'notes', `day-${night}.md`), `# day ${night}\n${'today I backed up my files again. '.repeat(400 * night)}\n`);
      if (night % 3 === 1) writeFileSync(path.join(src, 'photos', `img-${night}.jpg`), pseudoRandom(150_000 * night, night));
      if (night === 10) writeFileSync(path.join(src, 'photos', 'panorama.jpg'), pseudoRandom(700_000, 99));
      const time = `2026-04-${String(night).padStart(2, '0')}T02:00:00+02:00`;
      ids.push(sb.json(['create', src, '--time', time, '--host', 'laptop']).snapshot_id);
    }
    file = sb.path('report.html');
  }, INSTALL_TIMEOUT_MS + 120_000);
  afterAll(() => {
    sb.cleanup();
    for (const d of profiles) rmSync(d, { recursive: true, force: true });
  });

  it('writes one self-contained page and says so', () => {
    expect(sb.json(['report', '--html', file])).toEqual({ ok: true, file, snapshots: 10 });
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // Nothing from the network: no src/href attributes, no CSS url() or @import; the only URL is the SVG namespace.
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html.match(/https?:\/\/[^"\s]*/g)!.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(6);
    // The embedded data is the growth that `stats --growth` reports.
    const data = JSON.parse(/<script type="application\/json" id="snap-report-data">([^<]*)<\/script>/.exec(html)![1]!);
    expect(data.rows).toEqual(sb.json(['stats', '--growth']));
    expect(data.rows.map((r: Row) => r.snapshot_id)).toEqual(ids);
    // The latest snapshot's new files, largest first, found by a diff with its parent.
    expect(data.latest.id).toBe(ids[9]);
    expect(data.latest.against).toBe(ids[8]);
    expect(data.latest.files.slice(0, 2)).toEqual([
      { path: path.join(src, 'photos', 'img-10.jpg'), size: 1_500_000, kind: 'added' },
      { path: path.join(src, 'photos', 'panorama.jpg'), size: 700_000, kind: 'added' },
    ]);
    expect(data.latest.files.map((f: { path: string }) => path.basename(f.path))).toEqual(['img-10.jpg', 'panorama.jpg', 'day-10.md']);
    const text = sb.ok(['report', '--html', file]).stdout;
    expect(text).toBe(`report of 10 snapshots written to ${file}\n`);
  });

  it('renders in headless Chromium without script errors, every chart with a size', (ctx) => {
    if (!browser) {
      console.warn('*** report test: skipped, no chromium ***');
      ctx.skip();
      return;
    }
    const profile = profileDir();
    const r = chromium(browser, ['--window-size=1000,1400', '--dump-dom', `file://${file}`], profile);
    expect(r.status).toBe(0);
    const dom = r.stdout.toString();
    const body = /<body([^>]*)>/.exec(dom)![1]!;
    expect(body).toContain('data-ok="1"');
    const charts = /data-charts="([^"]*)"/.exec(body)![1]!.split(',');
    expect(charts).toHaveLength(6);
    for (const c of charts) {
      const [w, h] = c.split('x').map(Number);
      expect(w).toBeGreaterThan(100);
      expect(h).toBeGreaterThan(20);
    }
    // Console messages of the page (errors included) appear as CONSOLE lines in Chromium's log.
    const consoleLines = r.stderr.toString().split('\n').filter((l) => /:CONSOLE/.test(l));
    expect(consoleLines).toEqual([]);
    expect(dom).toContain('Largest new files of the latest snapshot');
  });

  it('a screenshot shows the page (docs/report.png is written when missing or SNAP_UPDATE_SCREENSHOT=1)', (ctx) => {
    if (!browser) {
      ctx.skip();
      return;
    }
    const profile = profileDir();
    const shot = path.join(profile, 'report.png');
    const r = chromium(browser, ['--hide-scrollbars', '--window-size=1000,1500', `--screenshot=${shot}`, `file://${file}`], profile);
    expect(r.status).toBe(0);
    const png = readFileSync(shot);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1000); // IHDR width
    expect(statSync(shot).size).toBeGreaterThan(20_000); // drawn, not blank
    if (!existsSync(DOCS_SCREENSHOT) || process.env.SNAP_UPDATE_SCREENSHOT === '1') copyFileSync(shot, DOCS_SCREENSHOT);
  });

  it('an empty repository still gets a page', () => {
    const empty = new Sandbox();
    try {
      empty.init();
      const out = path.join(empty.root, 'empty.html');
      expect(empty.json(['report', '--html', out])).toEqual({ ok: true, file: out, snapshots: 0 });
      expect(readFileSync(out, 'utf8')).toContain('nothing to show');
      if (browser) {
        const r = chromium(browser, ['--dump-dom', `file://${out}`], profileDir());
        expect(/<body[^>]*data-ok="1"/.test(r.stdout.toString())).toBe(true);
      }
    } finally {
      empty.cleanup();
    }
  });

  it('--html is required', () => {
    const r = sb.run(['report', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--html <file> is required');
    expect(JSON.parse(r.stdout).error.code).toBe('invalid_argument');
  });
});
