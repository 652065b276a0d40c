// Paths inside a snapshot as printable strings for reports: names are bytes, so a name that is not
// valid UTF-8 (or holds control characters or a backslash) is shown with \xNN escapes, as `ls` does.

import { isUtf8 } from 'node:buffer';

export function showName(name: Buffer): string {
  if (isUtf8(name)) return name.toString('utf8').replace(/[\x00-\x1f\x7f\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  let out = '';
  for (const b of name) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** "/" + name at the root, dir + "/" + name below it. */
export function childPath(dir: string, name: Buffer): string {
  return dir === '/' ? `/${showName(name)}` : `${dir}/${showName(name)}`;
}

/** A walk's raw path ("" for the root, "/a/b" below it) as a printable one ("/", "/a/b"). */
export function printablePath(raw: Buffer): string {
  if (raw.length === 0) return '/';
  let out = '';
  let start = 1;
  for (let i = 1; i <= raw.length; i++) {
    if (i < raw.length && raw[i] !== 0x2f) continue;
    out += `/${showName(raw.subarray(start, i))}`;
    start = i + 1;
  }
  return out;
}
