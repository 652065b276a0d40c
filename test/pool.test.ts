import { describe, expect, test } from 'vitest';
import { mapPoolInOrder } from '../src/pool.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapPoolInOrder', () => {
  test('consumes every result in item order, at most `width` loaded and unconsumed at once', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const consumed: number[] = [];
    let held = 0;
    let maxHeld = 0;
    await mapPoolInOrder(
      items,
      4,
      async (i) => {
        held++;
        maxHeld = Math.max(maxHeld, held);
        await tick((i * 7) % 5); // finish out of order
        return i * 10;
      },
      async (r, i) => {
        expect(r).toBe(i * 10);
        consumed.push(i);
        await tick(0);
        held--;
      },
    );
    expect(consumed).toEqual(items);
    expect(maxHeld).toBeLessThanOrEqual(4);
  });

  test('the first error is thrown once every started call has settled; nothing after it is consumed', async () => {
    const consumed: number[] = [];
    let running = 0;
    const run = mapPoolInOrder(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i) => {
        running++;
        try {
          await tick(i === 5 ? 1 : 3);
          if (i === 5) throw new Error('item 5');
          return i;
        } finally {
          running--;
        }
      },
      (r) => void consumed.push(r),
    );
    await expect(run).rejects.toThrow('item 5');
    expect(running).toBe(0);
    expect(consumed).toEqual([0, 1, 2, 3, 4]);
  });

  test('a synchronous throw of fn is the pool error, and no later item is consumed ahead of it', async () => {
    const consumed: number[] = [];
    const run = mapPoolInOrder(
      [0, 1, 2, 3],
      4,
      (i) => {
        if (i === 1) throw new Error('sync');
        return Promise.resolve(i);
      },
      (r) => void consumed.push(r),
    );
    await expect(run).rejects.toThrow('sync');
    expect(consumed).toEqual([0]);
  });
});
