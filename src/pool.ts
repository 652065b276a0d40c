// Owns running async work side by side, bounded: the one pool of the code base (use it rather than
// `Promise.all(Array.from({ length }, worker))`, which keeps the other workers starting new items
// after one has failed and returns while they still run).
//
// Every helper here has backpressure (an item starts only when one of `width` slots is free, so a
// queue of a million packs holds `width` of them in flight) and first-error cancellation (after a
// failure or an abort no new item starts, and the first error is thrown only once every started
// call has settled: nothing keeps running after the caller has moved on, e.g. to closing the
// repository). `signal` aborts with InterruptedError between items.

import { InterruptedError } from './errors.js';

/** fn over every item, at most `width` at once; results in item order. */
export async function mapPool<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await drain(width, () => (next < items.length ? next++ : undefined), async (i) => {
    out[i] = await fn(items[i]!, i);
  }, signal);
  return out;
}

/**
 * fn over a work queue that fn itself may grow (a walk that finds more work as it goes): at most
 * `width` at once, items taken from the end of `queue` (depth first, so the queue stays short).
 * Ends when the queue is empty and no call is running.
 */
export async function drainQueue<T>(queue: T[], width: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  await drain(width, () => (queue.length > 0 ? { item: queue.pop()! } : undefined), (w) => fn(w.item), signal);
}

/** The pool itself: `take` gives the next item or undefined (none now: wait for a running call, or end). */
function drain<W>(width: number, take: () => W | undefined, fn: (w: W) => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let active = 0;
    let failure: { error: unknown } | undefined;
    const pump = (): void => {
      if (!failure && signal?.aborted) failure = { error: new InterruptedError() };
      while (!failure && active < width) {
        const w = take();
        if (w === undefined) break;
        active++;
        let run: Promise<void>;
        try {
          run = fn(w);
        } catch (error) {
          run = Promise.reject(error);
        }
        run.then(
          () => {
            active--;
            pump();
          },
          (error: unknown) => {
            active--;
            failure ??= { error };
            pump();
          },
        );
      }
      if (active === 0) {
        if (failure) reject(failure.error);
        else resolve();
      }
    };
    pump();
  });
}

/** Promise.all that waits for every promise to settle before throwing the first error. */
export async function settleAll<R>(promises: ReadonlyArray<Promise<R>>): Promise<R[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}

/**
 * A counting semaphore, for a bound shared by work that does not come from one list (blob reads
 * across a whole walk, compressions of a write pipeline). Promise.race over a set of in-flight jobs
 * would attach a reaction to a long-pending job on every call, and those pile up (memory and CPU) in
 * a backup of millions of chunks; a queue of waiters costs one closure per waiter, released once.
 */
export class Limiter {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly max: number) {}

  /** Take a slot, waiting for one when all are taken. */
  acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Give a slot back: handed straight to the next waiter, if any. */
  release(): void {
    const next = this.waiters.shift();
    if (next) return next();
    this.active--;
    if (this.active === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of idle) r();
    }
  }

  /** fn in a slot (taken before, given back however fn ends). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Resolves when no slot is taken. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
