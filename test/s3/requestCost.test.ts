// What a host's commands cost in S3 requests: every command on an S3 repository records its counts
// in the cache (cli/requestLedger.ts), and `stats --request-prices` sums the last 30 days and
// prices them; `report --request-prices` shows the same figures on its page, in the data it embeds
// and in its --json document. Runs on s3rver, or on the engine SNAP_S3_ENDPOINT names (CI: RGW).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startS3rverChild, type S3Server } from './server.js';
import { Sandbox, TEST_KDF } from '../e2e/helpers.js';
import { formatUsd } from '../../src/maintenance/stats/cost.js';

type Requests = Record<'get' | 'put' | 'post' | 'list' | 'head' | 'delete' | 'total', number>;
type ByCommand = Record<string, { runs: number; requests: number; cost_usd: number | null }>;
interface Summary {
  days: number;
  since: string;
  commands: number;
  requests: Requests;
  cost_usd: number | null;
  by_command: ByCommand;
}
const PRICES = { put: 5, get: 0.4, list: 5, delete: 0, head: 0.4, post: 5 };
const PRICE_ARG = Object.entries(PRICES).map(([k, v]) => `${k}=${v}`).join(',');
const costOf = (q: Requests) => (Object.keys(PRICES) as Array<keyof typeof PRICES>).reduce((s, k) => s + (q[k] * PRICES[k]) / 1000, 0);
const embedded = (html: string) => JSON.parse(/<script type="application\/json" id="snap-report-data">([^<]*)<\/script>/.exec(html)![1]!);

describe('S3 request cost', () => {
  let server: S3Server;
  beforeAll(async () => {
    // In a child process: the CLI runs with spawnSync, which would block an in-process server.
    server = await startS3rverChild();
  }, 60_000);
  afterAll(async () => server?.close());

  it("stats prices this host's requests of the last 30 days, per command, as the commands counted them", () => {
    const sb = new Sandbox();
    try {
      sb.env = { ...server.env, SNAP_REPO: server.location('cost') };
      mkdirSync(sb.path('src'));
      sb.init();
      const creates: Requests[] = [];
      for (let i = 0; i < 2; i++) {
        writeFileSync(path.join(sb.path('src'), `f${i}.bin`), randomBytes(150_000));
        creates.push(sb.json<{ requests: Requests }>(['create', sb.path('src')]).requests);
      }
      const list = sb.json<unknown>(['list']) as unknown;
      expect(Array.isArray(list)).toBe(true);
      const doc = sb.json<{ requests_30_days: Summary }>(['stats', '--request-prices', PRICE_ARG]);
      const r = doc.requests_30_days;
      expect(r.by_command.create!.runs).toBe(2);
      // The --json document is printed before the lock is released; the ledger has that DELETE too.
      const printed = creates[0]!.total + creates[1]!.total;
      expect(r.by_command.create!.requests).toBeGreaterThanOrEqual(printed);
      expect(r.by_command.create!.requests).toBeLessThanOrEqual(printed + 2 * 2);
      expect(r.by_command.list!.runs).toBe(1);
      expect(r.by_command.create!.cost_usd).toBeGreaterThanOrEqual(costOf(creates[0]!) + costOf(creates[1]!) - 1e-6);
      expect(r.by_command.create!.cost_usd).toBeLessThan(costOf(creates[0]!) + costOf(creates[1]!) + 0.01);
      expect(r.cost_usd).toBeCloseTo(costOf(r.requests), 6);
      expect(r.commands).toBe(3); // init opens no repository through withRepo; stats counts itself only after it ran
      // Without prices: the counts, and no cost; a bad price list is an argument error.
      expect(sb.json<{ requests_30_days: { cost_usd: null } }>(['stats']).requests_30_days.cost_usd).toBeNull();
      expect(sb.run(['stats', '--request-prices', 'put=cheap']).code).toBe(1);
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('report shows the figures stats shows: on its page, in the data it embeds and in its --json document', () => {
    const sb = new Sandbox();
    try {
      sb.env = { ...server.env, SNAP_REPO: server.location('report-cost') };
      mkdirSync(sb.path('src'));
      sb.init();
      writeFileSync(path.join(sb.path('src'), 'f.bin'), randomBytes(150_000));
      const created = sb.json<{ requests: Requests }>(['create', sb.path('src')]).requests;
      sb.json(['list']);
      const file = sb.path('report.html');
      type ReportDoc = { ok: boolean; file: string; snapshots: number; requests: Requests; requests_30_days: Summary };
      const rep = sb.json<ReportDoc>(['report', '--html', file, '--request-prices', PRICE_ARG]);
      expect(rep).toMatchObject({ ok: true, file, snapshots: 1 });
      const r = rep.requests_30_days;
      expect(r.days).toBe(30);
      expect(r.commands).toBe(2); // create and list: report counts itself only after it ran
      expect(Object.keys(r.by_command).sort()).toEqual(['create', 'list']);
      expect(r.by_command.create!.runs).toBe(1);
      // The ledger has the create's lock release (a DELETE after its document was printed) too.
      expect(r.by_command.create!.requests).toBeGreaterThanOrEqual(created.total);
      expect(r.by_command.create!.requests).toBeLessThanOrEqual(created.total + 2);
      expect(r.requests.total).toBe(r.requests.get + r.requests.put + r.requests.post + r.requests.list + r.requests.head + r.requests.delete);
      expect(r.by_command.create!.requests + r.by_command.list!.requests).toBe(r.requests.total);
      expect(r.cost_usd).toBeGreaterThan(0);
      expect(r.cost_usd).toBeCloseTo(costOf(r.requests), 6);
      expect(r.by_command.create!.cost_usd! + r.by_command.list!.cost_usd!).toBeCloseTo(r.cost_usd!, 6);

      // stats, next, sees the same commands, and the report with what its document counted.
      const st = sb.json<{ requests_30_days: Summary }>(['stats', '--request-prices', PRICE_ARG]).requests_30_days;
      expect(st.commands).toBe(3);
      expect(st.by_command.create).toEqual(r.by_command.create);
      expect(st.by_command.list).toEqual(r.by_command.list);
      expect(st.by_command.report!.runs).toBe(1);
      expect(st.by_command.report!.requests).toBeGreaterThanOrEqual(rep.requests.total);
      expect(st.by_command.report!.requests).toBeLessThanOrEqual(rep.requests.total + 2);
      expect(st.requests.total).toBe(r.requests.total + st.by_command.report!.requests);

      // The page: the same object in its data; the totals and the cost in its table and cost card.
      const html = readFileSync(file, 'utf8');
      expect(embedded(html).requests_30_days).toEqual(r);
      expect(html).toContain('<h2>S3 requests of this host</h2>');
      expect(html).toContain(`<td>${r.requests.get}</td><td>${r.requests.put}</td>`);
      expect(html).toContain(`<td>${r.requests.total}</td><td>${formatUsd(r.cost_usd!)}</td>`);
      expect(html).toContain(`<td>create</td><td>1</td><td>${r.by_command.create!.requests}</td><td>${formatUsd(r.by_command.create!.cost_usd!)}</td>`);
      expect(html).toContain(`requests ${formatUsd(r.cost_usd!)} (this host, 30 days)`);
      // Text: the line stats prints.
      const text = sb.ok(['report', '--html', file, '--request-prices', PRICE_ARG]).stdout.split('\n');
      expect(text[0]).toBe(`report of 1 snapshot written to ${file}`);
      expect(text[1]).toMatch(/^S3 requests of this host's 4 command\(s\) in the last 30 days: \d+ \(\d+ get, \d+ put, .*\), \$[0-9.]+ at the given prices$/);

      // Without prices (and no SNAP_S3_PRICES): the counts, no cost, and the page says how to get it.
      const plain = sb.json<ReportDoc>(['report', '--html', file]).requests_30_days;
      expect(plain.cost_usd).toBeNull();
      expect(plain.by_command.report!.cost_usd).toBeNull();
      expect(plain.requests.total).toBeGreaterThan(st.requests.total);
      const plainHtml = readFileSync(file, 'utf8');
      expect(embedded(plainHtml).requests_30_days).toEqual(plain);
      expect(plainHtml).toContain('Give --request-prices (or SNAP_S3_PRICES) for their cost.');
      expect(plainHtml).not.toContain('<th>Cost</th>');
      expect(sb.run(['report', '--html', file, '--request-prices', 'put=cheap']).code).toBe(1);

      // A local repository has no S3 requests: neither the document nor the page has the field.
      const local = { SNAP_REPO: sb.path('local-repo') };
      sb.ok(['init', '--kdf', TEST_KDF], { env: local });
      const localDoc = sb.json<Record<string, unknown>>(['report', '--html', file, '--request-prices', PRICE_ARG], { env: local });
      expect(localDoc).toEqual({ ok: true, file, snapshots: 0 });
      expect(embedded(readFileSync(file, 'utf8'))).not.toHaveProperty('requests_30_days');
    } finally {
      sb.cleanup();
    }
  }, 120_000);
});
