import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_PRICE_PER_GB_MONTH, formatRatio, formatUsd } from '../../maintenance/stats/cost.js';
import { growth } from '../../maintenance/stats/growth.js';
import { repositoryStats } from '../../maintenance/stats/repositoryStats.js';
import { localTime, printJson, size, table } from '../output.js';
import { describeRequests, hostRequests, REQUEST_PRICES_HELP } from '../requestLedger.js';
import { addSnapshotFilterOptions, chooseSnapshots, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import type { Run } from './registry.js';

interface StatsCliOptions extends SnapshotFilterCliOptions {
  pricePerGbMonth?: string;
  growth?: boolean;
  exact?: boolean;
  requestPrices?: string;
}

export function registerStats(program: Command, run: Run): void {
  const cmd = program
    .command('stats')
    .description('logical and stored size, deduplication and compression ratios, chunk count and monthly storage cost')
    .argument('[snapshots...]', 'snapshots to count (default: all)')
    .option('--price-per-gb-month <usd>', `storage price in USD per GB-month, GB = 2^30 bytes (default ${DEFAULT_PRICE_PER_GB_MONTH}, S3 Standard)`)
    .option('--request-prices <prices>', REQUEST_PRICES_HELP)
    .option('--growth', 'one row per snapshot, oldest first: logical bytes, new chunk bytes added (before and after compression), running stored total and its monthly cost')
    .option(
      '--exact',
      'with --growth: recompute the rows from the trees (each chunk charged to the oldest snapshot that uses it now) instead of ' +
        'the numbers create recorded; use it after forget/prune, where the recorded running total understates',
    );
  addSnapshotFilterOptions(cmd, 'list')
    .action(run(async (ctx: CliContext, selectors: unknown, opts: unknown) => statsCommand(ctx, selectors as string[], opts as StatsCliOptions)));
}

export function parsePrice(s: string | undefined): number {
  if (s === undefined) return DEFAULT_PRICE_PER_GB_MONTH;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--price-per-gb-month: expected a price in USD like 0.023, got '${s}'`);
  return n;
}

async function statsCommand(ctx: CliContext, selectors: string[], o: StatsCliOptions): Promise<void> {
  const price = parsePrice(o.pricePerGbMonth);
  if (o.exact && !o.growth) throw new InvalidArgumentError('stats: --exact goes with --growth');
  const prices = ctx.requestPrices(o.requestPrices);
  await ctx.withRepo('shared', async (repo) => {
    const snaps = await chooseSnapshots(repo, selectors, snapshotFilter(o));
    const view = ctx.progress('stats');
    const progress = (p: { entries: number; logicalBytes: number; current: string }) =>
      view.update({ files: p.entries, unit: 'entries', bytes: p.logicalBytes, current: p.current });
    if (o.growth) {
      let g;
      try {
        g = await growth(repo, snaps, { pricePerGbMonth: price, exact: o.exact, progress, signal: ctx.signal });
      } finally {
        view.stop();
      }
      for (const n of g.notes) ctx.warn(`snap: ${n}`);
      if (ctx.json) return printJson(g.rows);
      const rows = [['ID', 'Time', 'Logical', 'Added', 'Stored', 'Total stored', 'Cost/month']];
      for (const r of g.rows) {
        rows.push([
          r.snapshot_id.slice(0, 8), localTime(r.time), size(r.logical_bytes), size(r.bytes_added), size(r.bytes_stored),
          size(r.total_stored_bytes), formatUsd(r.monthly_cost_usd),
        ]);
      }
      ctx.say(table(rows, [2, 3, 4, 5, 6]));
      ctx.say(
        `${g.rows.length} snapshot${g.rows.length === 1 ? '' : 's'}; ${g.exact ? 'recomputed from the trees' : 'as recorded by create'}; ` +
          `price $${price}/GB-month (GB = 2^30 bytes); the running total includes tree metadata`,
      );
      return;
    }
    let st;
    try {
      st = await repositoryStats(repo, snaps, { pricePerGbMonth: price, progress, signal: ctx.signal });
    } finally {
      view.stop();
    }
    if (st.missing_blobs) ctx.warn(`snap: ${st.missing_blobs} referenced blob(s) are not in the index: run 'snap check'`);
    // S3: what this host's commands of the last 30 days cost in requests (requestLedger.ts).
    const requests = hostRequests(repo, prices);
    if (ctx.json) {
      const { missing_blobs: _missing, ...doc } = st;
      return printJson(requests ? { ...doc, requests_30_days: requests } : doc);
    }
    const lines: Array<[string, string]> = [
      ['Snapshots', String(st.snapshots)],
      ['Logical size', size(st.logical_bytes)],
      ['Stored size', size(st.stored_bytes)],
      ['Unique chunk bytes', size(st.unique_chunk_bytes)],
      ['Chunks', String(st.chunks)],
      ['Deduplication ratio', formatRatio(st.dedup_ratio)],
      ['Compression ratio', formatRatio(st.compression_ratio)],
      ['Monthly cost', formatUsd(st.monthly_cost_usd)],
    ];
    const keyWidth = Math.max(...lines.map(([k]) => k.length)) + 1;
    const valueWidth = Math.max(...lines.map(([, v]) => v.length));
    for (const [k, v] of lines) ctx.say(`${`${k}:`.padEnd(keyWidth)}  ${v.padStart(valueWidth)}`);
    ctx.say(`(stored size: all pack files; cost at $${price} per GB-month, GB = 2^30 bytes)`);
    if (requests) ctx.say(describeRequests(requests));
  });
}
