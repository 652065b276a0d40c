// What this host's commands cost in S3 requests, kept between runs: every command on an S3
// repository adds one line (time, command, counts by kind) to `requests.json` in the repository's
// cache folder, and `stats` and `report` sum the last 30 days and price them (--request-prices or
// SNAP_S3_PRICES: hostRequests, describeRequests). Local state of this client only, not a repository format: deleting the cache
// loses it, other hosts keep their own. Bounded: entries older than LEDGER_DAYS go, at most
// MAX_ENTRIES stay.

import path from 'node:path';
import { readStateFile, writeStateFile } from '../repository/clientState.js';
import type { Repository } from '../repository/repository.js';
import { REQUEST_KINDS, requestCost, type RequestKind, type RequestPrices, type RequestSummary } from '../backend/requestCounts.js';
import { formatUsd } from '../maintenance/stats/cost.js';

/** The --request-prices option of `stats` and `report`. */
export const REQUEST_PRICES_HELP =
  "S3 request prices in USD per 1000 requests, e.g. put=0.005,get=0.0004,list=0.005,delete=0 (kinds get put post list head delete; default SNAP_S3_PRICES): prices this host's requests of the last 30 days";

const LEDGER_VERSION = 1;
const LEDGER_DAYS = 90;
const MAX_ENTRIES = 20_000;
/** The window `stats` and `report` show (a month, as storage is priced). */
export const REPORT_DAYS = 30;
const DAY_MS = 86_400_000;

interface Entry {
  time: string;
  command: string;
  counts: Partial<Record<RequestKind, number>>;
}

export function ledgerFile(cacheDir: string): string {
  return path.join(cacheDir, 'requests.json');
}

function readEntries(file: string): Entry[] {
  const doc = readStateFile(file) as { version?: unknown; entries?: unknown } | undefined;
  if (doc?.version !== LEDGER_VERSION || !Array.isArray(doc.entries)) return [];
  const out: Entry[] = [];
  for (const e of doc.entries as Array<Record<string, unknown>>) {
    if (typeof e !== 'object' || e === null || typeof e.time !== 'string' || !Number.isFinite(Date.parse(e.time)) || typeof e.command !== 'string') continue;
    const c = e.counts as Record<string, unknown> | undefined;
    if (typeof c !== 'object' || c === null) continue;
    const counts: Partial<Record<RequestKind, number>> = {};
    for (const k of REQUEST_KINDS) if (Number.isSafeInteger(c[k]) && (c[k] as number) >= 0) counts[k] = c[k] as number;
    out.push({ time: e.time, command: e.command.slice(0, 64), counts });
  }
  return out;
}

/** Add one command's counts (nothing when it sent no request). Failing to write costs only the record. */
export function recordRequests(file: string, command: string, counts: Record<RequestKind, number>, now = new Date()): void {
  if (REQUEST_KINDS.every((k) => counts[k] === 0)) return;
  const since = now.getTime() - LEDGER_DAYS * DAY_MS;
  const entries = readEntries(file).filter((e) => Date.parse(e.time) >= since);
  entries.push({ time: now.toISOString(), command, counts: { ...counts } });
  writeStateFile(file, { version: LEDGER_VERSION, entries: entries.slice(-MAX_ENTRIES) });
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** The last REPORT_DAYS of this host's commands, summed and priced. */
export function summarizeRequests(file: string, prices: RequestPrices | undefined, now = new Date()): RequestSummary {
  const since = new Date(now.getTime() - REPORT_DAYS * DAY_MS);
  const entries = readEntries(file).filter((e) => Date.parse(e.time) >= since.getTime());
  const total: Partial<Record<RequestKind, number>> = {};
  const by: RequestSummary['by_command'] = {};
  for (const e of entries) {
    const n = REQUEST_KINDS.reduce((s, k) => s + (e.counts[k] ?? 0), 0);
    for (const k of REQUEST_KINDS) total[k] = (total[k] ?? 0) + (e.counts[k] ?? 0);
    const b = (by[e.command] ??= { runs: 0, requests: 0, cost_usd: prices ? 0 : null });
    b.runs++;
    b.requests += n;
    if (prices) b.cost_usd = round(b.cost_usd! + requestCost(e.counts, prices));
  }
  const requests: Record<string, number> = {};
  for (const k of REQUEST_KINDS) requests[k.toLowerCase()] = total[k] ?? 0;
  requests.total = REQUEST_KINDS.reduce((s, k) => s + (total[k] ?? 0), 0);
  return {
    days: REPORT_DAYS,
    since: since.toISOString(),
    commands: entries.length,
    requests,
    cost_usd: prices ? round(requestCost(total, prices)) : null,
    by_command: by,
  };
}

/** This host's requests of the last REPORT_DAYS on an S3 repository, priced when prices are given; null for a local one. */
export function hostRequests(repo: Repository, prices: RequestPrices | undefined): RequestSummary | null {
  return repo.backend.location.startsWith('s3://') ? summarizeRequests(ledgerFile(repo.cacheDir), prices) : null;
}

/** The summary as one line of text (stats, report). */
export function describeRequests(r: RequestSummary): string {
  const kinds = Object.entries(r.requests).filter(([k, n]) => k !== 'total' && n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  return (
    `S3 requests of this host's ${r.commands} command(s) in the last ${r.days} days: ${r.requests.total!}${kinds ? ` (${kinds})` : ''}` +
    (r.cost_usd === null ? ' (give --request-prices for their cost)' : `, ${formatUsd(r.cost_usd)} at the given prices`)
  );
}
