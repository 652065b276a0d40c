// Output: exactly one JSON document on stdout with --json, aligned human text otherwise.
// Sizes in binary units (1.2 GiB), times in local time.

import prettyBytes from 'pretty-bytes';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
}

export const size = (n: number | bigint): string => prettyBytes(Number(n), { binary: true });

/** What the opened repository's commands skipped (context.ts sets it): object documents carry it as `warnings`. */
export interface JsonWarning {
  kind: string;
  object: string;
  message: string;
}
let warningSource: () => readonly JsonWarning[] = () => [];
export function setWarningSource(source: () => readonly JsonWarning[]): void {
  warningSource = source;
}

export function printJson(doc: unknown): void {
  // Documents that are JSON arrays (list, log, ls, stats --growth) keep their shape (CLI.md): their
  // warnings are on stderr only.
  const warnings = warningSource();
  if (warnings.length > 0 && typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    doc = { ...doc, warnings: warnings.map((w) => ({ kind: w.kind, object: w.object, message: w.message })) };
  }
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso; // e.g. the unknown time of an unreadable record
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Align columns: the first row is the header. */
export function table(rows: string[][], rightAligned: number[] = []): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** Names that are not valid UTF-8 are shown with \xNN escapes (argv and terminals are UTF-8). */
export function displayName(b: Buffer): string {
  const s = b.toString('utf8');
  if (Buffer.from(s, 'utf8').equals(b)) return s.replace(/[\x00-\x1f\x7f\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  let out = '';
  for (const byte of b) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

export function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}
