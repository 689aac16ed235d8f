/**
 * predict's heap collector (src/predict/memory.ts) creates the context that exposes `gc` only when it
 * first collects: ~8 ms of CPU a short run that never collects does not pay.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const contexts = vi.hoisted(() => ({ created: 0 }));

vi.mock('node:vm', async (importOriginal) => {
  const vm = await importOriginal<typeof import('node:vm')>();
  return {
    ...vm,
    runInNewContext: (...args: Parameters<typeof vm.runInNewContext>) => {
      contexts.created++;
      return vm.runInNewContext(...args);
    },
  };
});

afterEach(() => {
  vi.resetModules();
  contexts.created = 0;
});

describe('heapCollector', () => {
  it('creates no gc context while the heap has not grown past its bound', async () => {
    const { heapCollector } = await import('../src/predict/memory.js');
    const collect = heapCollector(1024 * 1024 * 1024);
    collect();
    expect(contexts.created).toBe(0);
  });

  it('collects once the heap has grown past its bound, creating the context then', async () => {
    const { heapCollector } = await import('../src/predict/memory.js');
    const collect = heapCollector(1);
    // Growth is measured against the lowest heap seen, so keep allocating until a call sees some.
    const kept: object[] = [];
    for (let round = 0; round < 100 && contexts.created === 0; round++) {
      for (let i = 0; i < 10_000; i++) kept.push({ i });
      collect();
    }
    expect(kept.length).toBeGreaterThan(0);
    expect(contexts.created).toBe(1);
    collect();
    expect(contexts.created).toBe(1);
  });
});
