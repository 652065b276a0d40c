// Output: exactly one JSON document on stdout with --json, aligned human text otherwise.
// Sizes in binary units (1.2 GiB), times in local time.

import prettyBytes from 'pretty-bytes';

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

/** Fields every JSON document of this run gets (the storage requests of an S3 repository, set by CliContext). */
let jsonExtras: (() => Record<string, unknown>) | undefined;

export function setJsonExtras(extras: (() => Record<string, unknown>) | undefined): void {
  jsonExtras = extras;
}

/**
 * A streamed JSON array (ls --json on a huge tree) that has begun on stdout: an error after that
 * cannot become the error document (stdout would hold two), so it goes to stderr only and the
 * cut array, with the exit code, says the listing is incomplete.
 */
let streamStarted = false;
export function startJsonStream(head: string): void {
  streamStarted = true;
  process.stdout.write(head);
}
export function jsonStreamStarted(): boolean {
  return streamStarted;
}

export function printJson(doc: unknown): void {
  // Documents that are JSON arrays (list, log, ls, stats --growth) keep their shape (CLI.md): their
  // warnings are on stderr only.
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const warnings = warningSource();
    if (warnings.length > 0) doc = { ...doc, warnings: warnings.map((w) => ({ kind: w.kind, object: w.object, message: w.message })) };
    if (jsonExtras) doc = { ...(doc as object), ...jsonExtras() };
  }
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso; // e.g. the unknown time of an unreadable record
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Control characters of C0 and C1, DEL, and Unicode's bidirectional and line-separator controls,
 * which a terminal would act on (ESC sequences retitle windows, rewrite lines, and on some
 * terminals write files) or which make text read differently from what it is.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_EXCEPT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The one escaping of human output (issue 15 item 9): every string that comes from a snapshot, a
 * key file or the storage passes here before it reaches the terminal (table cells and ctx.say /
 * ctx.warn lines do it for every caller). Controls become \xNN (\u{NNNN} beyond Latin-1).
 * Backslashes are left alone, so text that displayName already escaped is not escaped twice.
 */
export function escapeControl(s: string, keepNewlines = false): string {
  return s.replace(keepNewlines ? CONTROL_EXCEPT_NEWLINE : CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Align columns: the first row is the header. Cells are escaped (escapeControl). */
export function table(rows: string[][], rightAligned: number[] = []): string {
  rows = rows.map((r) => r.map((c) => escapeControl(c ?? '')));
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
