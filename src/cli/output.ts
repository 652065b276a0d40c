// Output: exactly one JSON document on stdout with --json, aligned human text otherwise.
// Sizes in binary units (1.2 GiB), times in local time.

import prettyBytes from 'pretty-bytes';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
}

export const size = (n: number | bigint): string => prettyBytes(Number(n), { binary: true });

/** Fields every JSON document of this run gets (the storage requests of an S3 repository, set by CliContext). */
let jsonExtras: (() => Record<string, unknown>) | undefined;

export function setJsonExtras(extras: (() => Record<string, unknown>) | undefined): void {
  jsonExtras = extras;
}

export function printJson(doc: unknown): void {
  const extra = jsonExtras && doc && typeof doc === 'object' && !Array.isArray(doc) ? jsonExtras() : undefined;
  process.stdout.write(JSON.stringify(extra ? { ...(doc as object), ...extra } : doc, null, 2) + '\n');
}

export function localTime(iso: string): string {
  const d = new Date(iso);
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
