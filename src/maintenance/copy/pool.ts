// Small concurrency helpers for copy: a semaphore that bounds blob reads across the whole walk, and
// an ordered map over items with a bounded number in flight.

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly width: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.width) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * fn over every item, at most `width` at once; results in item order. On a failure no new item
 * starts, and the first error is thrown only once every started call has settled: nothing of the
 * walk keeps running after its caller has moved on (to closing the repositories).
 */
export async function mapPool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(workers);
  if (failure) throw failure.error;
  return out;
}

/** Promise.all that waits for every promise to settle before throwing the first error. */
export async function settleAll<R>(promises: ReadonlyArray<Promise<R>>): Promise<R[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}
