import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_PRICE_PER_GB_MONTH } from '../../maintenance/stats/cost.js';
import { gatherReport } from '../../maintenance/report/gatherReport.js';
import { renderReport } from '../../maintenance/report/renderReport.js';
import { filterSnapshots } from '../../repository/selectSnapshot.js';
import { printJson } from '../output.js';
import { describeRequests, hostRequests, REQUEST_PRICES_HELP } from '../requestLedger.js';
import { addSnapshotFilterOptions, snapshotFilter, type SnapshotFilterCliOptions } from '../snapshotOptions.js';
import type { CliContext } from '../context.js';
import { parsePrice } from './stats.js';
import type { Run } from './registry.js';

export function registerReport(program: Command, run: Run): void {
  const cmd = program
    .command('report')
    .description(
      'write one self-contained HTML page (works offline) with charts of the repository over time: logical vs stored bytes, ' +
        'what each snapshot added and costs, deduplication and compression ratios, the largest additions',
    )
    .option('--html <file>', 'the HTML file to write')
    .option('--price-per-gb-month <usd>', `storage price in USD per GB-month, GB = 2^30 bytes (default ${DEFAULT_PRICE_PER_GB_MONTH}, S3 Standard)`)
    .option('--request-prices <prices>', REQUEST_PRICES_HELP)
    .option('--exact', 'recompute growth from the trees instead of the numbers create recorded (see stats --growth --exact)');
  addSnapshotFilterOptions(cmd, 'list')
    .action(run(async (ctx: CliContext, opts: unknown) => {
      const o = opts as { html?: string; pricePerGbMonth?: string; requestPrices?: string; exact?: boolean } & SnapshotFilterCliOptions;
      if (!o.html) throw new InvalidArgumentError('report: --html <file> is required');
      const price = parsePrice(o.pricePerGbMonth);
      const prices = ctx.requestPrices(o.requestPrices);
      const file = path.resolve(o.html);
      await ctx.withRepo('shared', async (repo) => {
        const snaps = await filterSnapshots(repo, snapshotFilter(o));
        // S3: what this host's commands of the last 30 days cost in requests, as `stats` shows it.
        const requests = hostRequests(repo, prices);
        const view = ctx.progress('report');
        let data;
        try {
          data = await gatherReport(repo, snaps, {
            pricePerGbMonth: price, exact: o.exact, requests, signal: ctx.signal,
            progress: (p) => view.update({ files: p.entries, unit: 'entries', bytes: p.logicalBytes, current: p.current }),
          });
        } finally {
          view.stop();
        }
        for (const n of data.notes) ctx.warn(`snap: ${n}`);
        // Written aside and renamed, so a reader never sees half a page.
        const temp = `${file}.tmp-${process.pid}`;
        await fs.writeFile(temp, renderReport(data));
        await fs.rename(temp, file);
        if (ctx.json) printJson({ ok: true, file, snapshots: snaps.length, ...(requests ? { requests_30_days: requests } : {}) });
        else {
          ctx.say(`report of ${snaps.length} snapshot${snaps.length === 1 ? '' : 's'} written to ${file}`);
          if (requests) ctx.say(describeRequests(requests));
        }
      });
    }));
}
