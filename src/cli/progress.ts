// The progress display: a cli-progress line on stderr, only on a TTY and only when neither --json,
// --quiet nor --no-progress is given. The core reports through callbacks; this renders them.

import cliProgress from 'cli-progress';
import { size } from './output.js';

export interface ProgressView {
  update(p: { files?: number; bytes?: number; current?: string; totalBytes?: number }): void;
  stop(): void;
}

const RENDER_FPS = 5;
const NAME_WIDTH = 40;

export function progressEnabled(g: { json?: boolean; quiet?: boolean; progress?: boolean }): boolean {
  return Boolean(process.stderr.isTTY) && !g.json && !g.quiet && g.progress !== false;
}

export function startProgress(enabled: boolean, label: string): ProgressView {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      fps: RENDER_FPS,
      hideCursor: true,
      clearOnComplete: true,
      format: (_opts, params, payload: Record<string, string>) => {
        const pct = params.total > 1 ? ` ${Math.floor((params.value / params.total) * 100)}%` : '';
        return `${label}${pct} ${payload.files} files, ${payload.bytes}, ${payload.rate}/s${payload.eta} ${payload.current}`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 1;
  bar.start(total, 0, { files: '0', bytes: '0 B', rate: '0 B', eta: '', current: '' });
  return {
    update(p) {
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      const bytes = p.bytes ?? 0;
      const rate = bytes / secs;
      if (p.totalBytes && p.totalBytes !== total) {
        total = p.totalBytes;
        bar.setTotal(total);
      }
      const eta = total > 1 && rate > 0 ? `, ETA ${Math.max(0, Math.round((total - bytes) / rate))}s` : '';
      const cur = p.current ?? '';
      bar.update(total > 1 ? bytes : 0, {
        files: String(p.files ?? 0),
        bytes: size(bytes),
        rate: size(rate),
        eta,
        current: cur.length > NAME_WIDTH ? '…' + cur.slice(-NAME_WIDTH + 1) : cur,
      });
    },
    stop() {
      bar.stop();
    },
  };
}
