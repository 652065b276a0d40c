// What a host's commands cost in S3 requests: every command on an S3 repository records its counts
// in the cache (cli/requestLedger.ts), and `stats --request-prices` sums the last 30 days and
// prices them. Runs on s3rver, or on the engine SNAP_S3_ENDPOINT names (CI: RGW).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startS3rverChild, type S3Server } from './server.js';
import { Sandbox } from '../e2e/helpers.js';

type Requests = Record<'get' | 'put' | 'post' | 'list' | 'head' | 'delete' | 'total', number>;

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
      const prices = { put: 5, get: 0.4, list: 5, delete: 0, head: 0.4, post: 5 };
      const doc = sb.json<{ requests_30_days: { commands: number; requests: Requests; cost_usd: number; by_command: Record<string, { runs: number; requests: number; cost_usd: number }> } }>(
        ['stats', '--request-prices', Object.entries(prices).map(([k, v]) => `${k}=${v}`).join(',')],
      );
      const r = doc.requests_30_days;
      expect(r.by_command.create!.runs).toBe(2);
      // The --json document is printed before the lock is released; the ledger has that DELETE too.
      const printed = creates[0]!.total + creates[1]!.total;
      expect(r.by_command.create!.requests).toBeGreaterThanOrEqual(printed);
      expect(r.by_command.create!.requests).toBeLessThanOrEqual(printed + 2 * 2);
      expect(r.by_command.list!.runs).toBe(1);
      const cost = (q: Requests) => (Object.keys(prices) as Array<keyof typeof prices>).reduce((s, k) => s + (q[k] * prices[k]) / 1000, 0);
      expect(r.by_command.create!.cost_usd).toBeGreaterThanOrEqual(cost(creates[0]!) + cost(creates[1]!) - 1e-6);
      expect(r.by_command.create!.cost_usd).toBeLessThan(cost(creates[0]!) + cost(creates[1]!) + 0.01);
      expect(r.cost_usd).toBeCloseTo(cost(r.requests), 6);
      expect(r.commands).toBe(3); // init opens no repository through withRepo; stats counts itself only after it ran
      // Without prices: the counts, and no cost; a bad price list is an argument error.
      expect(sb.json<{ requests_30_days: { cost_usd: null } }>(['stats']).requests_30_days.cost_usd).toBeNull();
      expect(sb.run(['stats', '--request-prices', 'put=cheap']).code).toBe(1);
    } finally {
      sb.cleanup();
    }
  }, 120_000);
});
