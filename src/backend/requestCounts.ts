// Requests sent to storage, by kind, for one command: S3 bills per request, and cloud request cost is
// a top complaint of restic and kopia users. S3 counts every HTTP attempt (retries are billed too);
// the local backend counts its operations under the same names, for comparison.

/** The kinds, as S3 providers price them (PUT/COPY/POST/LIST in one class, GET/HEAD in another). */
export const REQUEST_KINDS = ['GET', 'PUT', 'POST', 'LIST', 'HEAD', 'DELETE'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export class RequestCounts {
  readonly counts: Record<RequestKind, number> = { GET: 0, PUT: 0, POST: 0, LIST: 0, HEAD: 0, DELETE: 0 };

  add(kind: RequestKind, n = 1): void {
    this.counts[kind] += n;
  }

  get total(): number {
    return REQUEST_KINDS.reduce((s, k) => s + this.counts[k], 0);
  }

  /** The JSON form (snake_case keys, CLI.md): one count per kind, the total, and the cost when priced. */
  report(pricesPer1000?: RequestPrices): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of REQUEST_KINDS) out[k.toLowerCase()] = this.counts[k];
    out.total = this.total;
    if (pricesPer1000) out.cost = Math.round(requestCost(this.counts, pricesPer1000) * 1e6) / 1e6;
    return out;
  }
}

/** Prices per 1000 requests of each kind (a kind without a price costs nothing). */
export type RequestPrices = Partial<Record<RequestKind, number>>;

/** What the counted requests cost at the given prices per 1000. */
export function requestCost(counts: Partial<Record<RequestKind, number>>, pricesPer1000: RequestPrices): number {
  let sum = 0;
  for (const k of REQUEST_KINDS) sum += ((counts[k] ?? 0) * (pricesPer1000[k] ?? 0)) / 1000;
  return sum;
}

/**
 * One host's requests over a period, summed and priced (the CLI keeps the record: cli/requestLedger.ts;
 * `stats` and `report` show it).
 */
export interface RequestSummary {
  days: number;
  since: string;
  commands: number;
  /** By kind (snake_case, as the `requests` object of every --json document), and the total. */
  requests: Record<string, number>;
  /** USD at the given prices per 1000 requests; null without prices. */
  cost_usd: number | null;
  by_command: Record<string, { runs: number; requests: number; cost_usd: number | null }>;
}

/** The HTTP method and query of an S3 request as a kind: a GET of a bucket with list-type is a LIST. */
export function requestKind(method: string, query: Record<string, unknown> | undefined): RequestKind {
  const m = method.toUpperCase();
  if (m === 'GET' && query && ('list-type' in query || 'uploads' in query)) return 'LIST';
  if (m === 'GET' || m === 'PUT' || m === 'POST' || m === 'HEAD' || m === 'DELETE') return m;
  return 'GET';
}
