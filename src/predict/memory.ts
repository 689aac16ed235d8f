/**
 * Keeps a long prediction run's resident memory flat: chunks' embedding matrices are promoted to
 * V8's old generation while they wait to be written, and V8 lets that generation grow for ~100k rows
 * before its own first full collection. A full collection once the heap has grown by a bound since
 * the last one keeps the peak down at a fraction of the cost of one every few chunks. Measured, and
 * the variants rejected: docs/decisions/performance.md.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

function fullCollection(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Heap growth since the last full collection that calls the next (docs/decisions/performance.md). */
export const COLLECT_AFTER_GROWTH_BYTES = 16 * 1024 * 1024;

/** Called after each chunk: a full collection once the heap has grown by `bound` since the lowest it was seen after one. */
export function heapCollector(bound = COLLECT_AFTER_GROWTH_BYTES): () => void {
  let floor = heapUsed();
  return () => {
    const used = heapUsed();
    floor = Math.min(floor, used);
    if (used - floor < bound) return;
    // Its context costs ~8 ms to create: a short run that never collects does not pay for it.
    fullCollection()();
    floor = heapUsed();
  };
}

function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}
