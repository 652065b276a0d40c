// --keep-within durations in restic's notation: whole numbers with the units y (years),
// m (months), d (days) and h (hours), in any order, e.g. "1y5m7d2h". There are no minutes or
// weeks ("1w" is refused, as in restic: write "7d").

import { InvalidArgumentError } from '../../errors.js';
import type { RetentionDuration } from './types.js';

const UNIT_FIELDS = { y: 'years', m: 'months', d: 'days', h: 'hours' } as const;
type Unit = keyof typeof UNIT_FIELDS;
/** Canonical order for printing, as restic's Duration.String: "1y1m1d" whatever order was typed. */
const PRINT_ORDER: Unit[] = ['y', 'm', 'd', 'h'];
const TERM = /(\d+)([a-zA-Z]?)/y;
const EXAMPLE = 'numbers with the units y, m, d, h, such as 1y5m7d2h';

/**
 * Parses "1y5m7d2h". An empty (or blank) string is the zero duration, as in restic, where it
 * means "not set". Anything else that does not parse throws InvalidArgumentError naming the value.
 */
export function parseRetentionDuration(s: string): RetentionDuration {
  const d: RetentionDuration = { years: 0, months: 0, days: 0, hours: 0 };
  const text = String(s).trim();
  const seen = new Set<Unit>();
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`invalid duration "${s}": ${why}; expected ${EXAMPLE}`);
  };
  let pos = 0;
  while (pos < text.length) {
    TERM.lastIndex = pos;
    const m = TERM.exec(text);
    if (!m) return bad(`no number at "${text.slice(pos)}"`);
    const [, digits, unit] = m;
    if (unit === '') return bad(`no unit after ${digits}`);
    if (!(unit in UNIT_FIELDS)) return bad(`unknown unit "${unit}"`);
    // restic lets a later "2d" silently replace an earlier "1d"; a repeated unit is almost
    // certainly a typo, so it is refused here rather than guessed at.
    if (seen.has(unit as Unit)) return bad(`unit "${unit}" given twice`);
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) return bad(`${digits} is too large`);
    seen.add(unit as Unit);
    d[UNIT_FIELDS[unit as Unit]] = value;
    pos = TERM.lastIndex;
  }
  return d;
}

export function isZeroDuration(d: RetentionDuration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}

/** "1y1m1d" in restic's order, zero parts left out (used in the "within ..." reason). */
export function formatRetentionDuration(d: RetentionDuration): string {
  return PRINT_ORDER.map((u) => (d[UNIT_FIELDS[u]] !== 0 ? `${d[UNIT_FIELDS[u]]}${u}` : '')).join('');
}
