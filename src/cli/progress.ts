// The progress display: a cli-progress line on stderr, only on a TTY and only when neither --json,
// --quiet nor --no-progress is given. The core reports through callbacks; this renders them.
// The line is cleared when the command ends (also when it fails or is interrupted), so the final
// summary is all that stays on the terminal.

import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { size } from './output.js';

export interface ProgressUpdate {
  /** Items done (files, packs, entries: see `unit`). */
  files?: number;
  bytes?: number;
  /** What is being worked on now: a path, a pack id, a phase. */
  current?: string;
  /** Bytes the whole job will process, when known: enables the percentage and the ETA. */
  totalBytes?: number;
  /** The word for `files` (default "files"). */
  unit?: string;
}

export interface ProgressView {
  update(p: ProgressUpdate): void;
  stop(): void;
}

const RENDER_FPS = 5;
/** Width assumed when the terminal does not say (cli-progress's own fallback). */
const DEFAULT_COLUMNS = 80;
/** Below this many columns left for it, the current item is left out rather than cut to nothing. */
const MIN_CURRENT_WIDTH = 12;

export function progressEnabled(g: { json?: boolean; quiet?: boolean; progress?: boolean }): boolean {
  return Boolean(process.stderr.isTTY) && !g.json && !g.quiet && g.progress !== false;
}

/** 42s, 3m05s, 1h02m: an ETA a person reads at a glance. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const p = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${p(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${p(Math.floor((s % 3600) / 60))}m`;
}

/**
 * A name as the terminal may show it: control characters (a newline or an escape sequence in a
 * file name would break the line or drive the terminal) become \xNN, and a name too long for the
 * room left keeps its end (the file name) behind an ellipsis.
 */
export function fitName(name: string, width: number): string {
  const safe = name.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (width < MIN_CURRENT_WIDTH) return '';
  const chars = [...safe];
  return chars.length <= width ? safe : '…' + chars.slice(chars.length - width + 1).join('');
}

/** The progress line's text (without the current item's room computed): exported for tests. */
export function progressText(label: string, s: { files: number; unit: string; bytes: number; rate: number; total: number }): string {
  const pct = s.total > 0 ? ` ${Math.min(100, Math.floor((s.bytes / s.total) * 100))}%` : '';
  const eta = s.total > 0 && s.rate > 0 ? `, ETA ${formatEta((s.total - s.bytes) / s.rate)}` : '';
  return `${label}${pct} ${s.files} ${s.unit}, ${size(s.bytes)}, ${size(s.rate)}/s${eta}`;
}

export function startProgress(enabled: boolean, label: string): ProgressView {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  // Loaded only when a progress line is shown (a TTY): most runs (--json, scripts, cron) skip it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      fps: RENDER_FPS,
      hideCursor: true,
      clearOnComplete: true,
      format: (_opts, _params, payload: { line: string }) => payload.line,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let stopped = false;
  const render = (p: ProgressUpdate) => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    const bytes = p.bytes ?? 0;
    if (p.totalBytes && p.totalBytes > 0) total = p.totalBytes;
    const head = progressText(label, { files: p.files ?? 0, unit: p.unit ?? 'files', bytes, rate: bytes / secs, total });
    // One column is kept free: writing the last column makes some terminals wrap.
    const columns = process.stderr.columns || DEFAULT_COLUMNS;
    const current = fitName(p.current ?? '', columns - 1 - head.length - 1);
    return current ? `${head} ${current}` : head;
  };
  // Until the first report only the label: the count's unit is not known yet.
  bar.start(1, 0, { line: label });
  // The process may end on its own (a second signal, the grace period): leave the terminal sane.
  const restore = () => stop();
  process.once('exit', restore);
  function stop(): void {
    if (stopped) return;
    stopped = true;
    process.off('exit', restore);
    bar.stop();
  }
  return {
    update(p) {
      if (!stopped) bar.update(0, { line: render(p) });
    },
    stop,
  };
}
