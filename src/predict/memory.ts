/**
 * Keeps a long prediction run's resident memory flat: chunks' embedding matrices are promoted to
 * V8's old generation while they wait to be written, so a full collection every few chunks keeps
 * the peak from growing. Measured, and the variant rejected: docs/decisions/performance.md.
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

/** Rows between full collections (docs/decisions/performance.md). */
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
