/** How long a synchronous training loop may hold the event loop before timers and abort signals run. */
const YIELD_EVERY_MS = 50;

/**
 * A checkpoint to await once per step of a long CPU-bound loop: throws if `signal` is aborted and,
 * at most every 50 ms, yields to the event loop (so timers, `AbortSignal.timeout` included, fire)
 * and checks again.
 */
export function eventLoopCheckpoint(signal: AbortSignal | undefined): () => Promise<void> {
  let lastYield = performance.now();
  return async () => {
    signal?.throwIfAborted();
    if (performance.now() - lastYield <= YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    lastYield = performance.now();
  };
}
