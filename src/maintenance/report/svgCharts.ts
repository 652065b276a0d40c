// Small SVG charts drawn as strings: the report must work offline, with no script or font from
// anywhere, so the charts are plain inline SVG (hover titles via <title>, no JS needed to see them).

export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface ChartOptions {
  /** One label per x position (snapshots, oldest first). */
  labels: string[];
  series: Series[];
  /** Axis and tooltip numbers. */
  format: (n: number) => string;
  /** Tick steps in powers of 1024 (bytes) instead of 10. */
  binary?: boolean;
  /** Extra tooltip text per x position. */
  notes?: string[];
}

const WIDTH = 860;
const HEIGHT = 280;
const PAD = { left: 78, right: 16, top: 14, bottom: 44 };
/** Rough width of an 11px tick character, and the least space between two x labels. */
const TICK_CHAR_WIDTH = 6.5;
const LABEL_GAP = 24;
const GRID_TICKS = 4;
/** Rough width of a 12px legend character, to place the next legend entry after the text. */
const LEGEND_CHAR_WIDTH = 7;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round tick values from 0 to at least `max`: steps of 1, 2, 2.5 or 5 times a power of ten (of a power of 1024 for bytes). */
export function niceTicks(max: number, binary = false, count = GRID_TICKS): number[] {
  if (!(max > 0)) max = 1;
  let unit = 1;
  if (binary) while (max / unit >= 1024) unit *= 1024;
  const raw = max / unit / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag * unit;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(v);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

function frame(opts: ChartOptions, ticks: number[], body: string, label: string): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  let grid = '';
  for (const t of ticks) {
    grid += `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>`;
    grid += `<text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${esc(opts.format(t))}</text>`;
  }
  const n = opts.labels.length;
  // As many labels as fit side by side (every `every`-th one).
  const longest = Math.max(1, ...opts.labels.map((l) => l.length));
  const fit = Math.max(1, Math.floor(plotW / (longest * TICK_CHAR_WIDTH + LABEL_GAP)));
  const every = Math.max(1, Math.ceil(n / fit));
  let xl = '';
  opts.labels.forEach((l, i) => {
    if (i % every !== 0) return;
    xl += `<text x="${xCenter(i, n).toFixed(1)}" y="${HEIGHT - PAD.bottom + 18}" text-anchor="middle" class="tick">${esc(l)}</text>`;
  });
  let legend = '';
  let lx = PAD.left;
  for (const s of opts.series) {
    legend += `<rect x="${lx}" y="${HEIGHT - 14}" width="12" height="12" fill="${s.color}"/><text x="${lx + 18}" y="${HEIGHT - 4}" class="legend">${esc(s.name)}</text>`;
    lx += 18 + s.name.length * LEGEND_CHAR_WIDTH + 28;
  }
  return (
    `<svg class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${esc(label)}</title>${grid}<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>${body}${xl}${legend}</svg>`
  );
}

function xCenter(i: number, n: number): number {
  return PAD.left + ((i + 0.5) * (WIDTH - PAD.left - PAD.right)) / Math.max(n, 1);
}

function scaleY(ticks: number[]): (v: number) => number {
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const top = ticks[ticks.length - 1]!;
  return (v) => PAD.top + plotH - (Math.max(0, v) / top) * plotH;
}

function tooltip(opts: ChartOptions, i: number): string {
  const parts = [opts.labels[i]!, ...opts.series.map((s) => `${s.name}: ${opts.format(s.values[i] ?? 0)}`)];
  if (opts.notes?.[i]) parts.push(opts.notes[i]!);
  return esc(parts.join('\n'));
}

/** Lines with a dot per value. */
export function lineChart(label: string, opts: ChartOptions): string {
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values));
  const ticks = niceTicks(max, opts.binary);
  const y = scaleY(ticks);
  const n = opts.labels.length;
  let body = '';
  for (const s of opts.series) {
    const pts = s.values.map((v, i) => `${xCenter(i, n).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length > 1) body += `<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`;
    s.values.forEach((v, i) => {
      body += `<circle cx="${xCenter(i, n).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${n > 60 ? 1.5 : 3}" fill="${s.color}"><title>${tooltip(opts, i)}</title></circle>`;
    });
  }
  return frame(opts, ticks, body, label);
}

/** Grouped vertical bars, one group per x position. */
export function barChart(label: string, opts: ChartOptions): string {
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values));
  const ticks = niceTicks(max, opts.binary);
  const y = scaleY(ticks);
  const n = opts.labels.length;
  const slot = (WIDTH - PAD.left - PAD.right) / Math.max(n, 1);
  const barW = Math.max(1, (slot * 0.8) / opts.series.length);
  let body = '';
  for (let i = 0; i < n; i++) {
    const x0 = xCenter(i, n) - (barW * opts.series.length) / 2;
    opts.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const top = y(v);
      // A tiny non-zero value still shows as a hairline.
      const h = Math.max(v > 0 ? 1 : 0, y(0) - top);
      body += `<rect x="${(x0 + k * barW).toFixed(1)}" y="${(y(0) - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${tooltip(opts, i)}</title></rect>`;
    });
  }
  return frame(opts, ticks, body, label);
}

export interface HBarItem {
  label: string;
  value: number;
  note?: string;
}

/** Horizontal bars, largest first as given (top-N lists). */
export function hbarChart(label: string, items: HBarItem[], format: (n: number) => string, color: string): string {
  const rowH = 26;
  const labelW = 250;
  const valueW = 90;
  const height = Math.max(1, items.length) * rowH + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const barMax = WIDTH - labelW - valueW - 10;
  let body = '';
  items.forEach((it, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(it.value > 0 ? 1 : 0, (it.value / max) * barMax);
    const tip = esc([it.label, format(it.value), it.note ?? ''].filter(Boolean).join('\n'));
    body +=
      `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" class="tick">${esc(it.label)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${color}"><title>${tip}</title></rect>` +
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 17}" class="tick">${esc(format(it.value))}</text>`;
  });
  if (items.length === 0) body = `<text x="${WIDTH / 2}" y="18" text-anchor="middle" class="tick">nothing to show</text>`;
  return `<svg class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${esc(label)}</title>${body}</svg>`;
}
