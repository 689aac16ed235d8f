/**
 * Keeps a long prediction run's resident memory flat. Each chunk's embedding matrix (~0.5 KB a
 * row) outlives a couple of young-generation collections while it waits to be classified and
 * written, so V8 promotes it, and its old generation then grows for ~100k rows before its first
 * full collection: peak RSS rose ~25% from 10k to 100k rows, then stayed there. A full collection
 * every few chunks keeps the peak where it is after the first chunks, for ~1% of the run time.
 * V8 exposes no other handle on this (a larger young generation costs more memory than it saves).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

function fullCollection(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Rows between full collections: measured flat peak RSS from 10k to 100k rows. */
export const COLLECT_EVERY_ROWS = 16_384;

/** Calls a full garbage collection once every `everyRows` rows reported to it. */
export function rowCollector(everyRows = COLLECT_EVERY_ROWS): (rows: number) => void {
  const gc = fullCollection();
  let since = 0;
  return (rows) => {
    since += rows;
    if (since < everyRows) return;
    since = 0;
    gc();
  };
}
