/**
 * BullMQ 5.81 closes a connection that never became ready by removing its listeners and then
 * re-emitting the rejected connection attempt as an 'error' nobody hears: an unhandled rejection
 * (`connect ECONNREFUSED`, `Connection is closed.`) that kills the process with exit 1 after a
 * clean shutdown. Once a queue client starts closing, such late connection errors are dropped;
 * any other unhandled rejection is rethrown, as Node would by default.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    (code !== undefined && CONNECTION_CODES.has(code)) ||
    error.name === 'ConnectionClosedError' ||
    /^Connection is closed\.?$/.test(error.message)
  );
}

let installed = false;

export function dropLateConnectionErrors(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (isConnectionError(reason)) return;
    throw reason;
  });
}
