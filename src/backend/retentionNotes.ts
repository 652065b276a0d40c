// What `check` says about Object Lock retention: objects written with less retention than configured
// (written before the setting, by a host without it, or shortened) are a gap in immutable history,
// not damage, so they are notes.

import type { Backend } from './backend.js';

/** At most this many object names are listed in the note. */
const NAMES_SHOWN = 5;

export async function retentionNotes(backend: Backend): Promise<string[]> {
  const r = await backend.shortRetention?.();
  if (!r) return [];
  if (r.short.length === 0) return [`object lock: all ${r.checked} objects carry the configured retention`];
  const shown = r.short.slice(0, NAMES_SHOWN).join(', ') + (r.short.length > NAMES_SHOWN ? ', ...' : '');
  return [`object lock: ${r.short.length} of ${r.checked} objects have less retention than configured (or none): ${shown}`];
}
