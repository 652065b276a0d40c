// A counting semaphore for the write pipeline. Promise.race over a set of in-flight jobs would attach
// a reaction to a long-pending job on every call, and those pile up (memory and CPU) in a backup of
// millions of chunks; a queue of waiters costs one closure per waiter, released once.

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

  /** Resolves when no slot is taken. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
