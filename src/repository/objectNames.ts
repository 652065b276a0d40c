// Object names read from storage listings. Names are untrusted input: snap only ever writes
// 64-lower-case-hex names in keys/, index/ and snapshots/, so anything else (an editor's backup, a
// sync tool's conflict copy, an attacker's "../x") is not an object of this repository. Such names
// are ignored, never used as a path, and reported once as a warning: refusing them would let any
// stray file stop every backup, and ignoring them loses nothing, since objects are checked against
// their names when read.

import type { Backend } from '../backend/backend.js';
import { HEX_ID } from '../ids.js';

export type IdFolder = 'keys' | 'index' | 'snapshots';

/** Stray names shown in a warning (escaped: they come from storage). */
const STRAY_NAMES_SHOWN = 3;

/** Pure: splits a listing of `<folder>/<name>` into valid ids and stray names. */
export function splitObjectNames(folder: IdFolder, listed: string[]): { ids: string[]; stray: string[] } {
  const ids: string[] = [];
  const stray: string[] = [];
  const prefix = `${folder}/`;
  for (const n of listed) {
    const name = n.startsWith(prefix) ? n.slice(prefix.length) : n;
    (HEX_ID.test(name) ? ids : stray).push(name);
  }
  return { ids, stray };
}

export function strayWarning(folder: IdFolder, stray: string[]): string {
  const shown = stray.slice(0, STRAY_NAMES_SHOWN).map((s) => JSON.stringify(s)).join(', ');
  return `ignored ${stray.length} object(s) in ${folder}/ whose names are not 64 lower-case hex (not written by snap): ${shown}${stray.length > STRAY_NAMES_SHOWN ? ', …' : ''}`;
}

/** The ids in `folder`; stray names are passed to `warn` (once per call) and left out. */
export async function listObjectIds(backend: Backend, folder: IdFolder, warn?: (message: string) => void): Promise<string[]> {
  const { ids, stray } = splitObjectNames(folder, await backend.list(`${folder}/`));
  if (stray.length > 0) warn?.(strayWarning(folder, stray));
  return ids;
}
