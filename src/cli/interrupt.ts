/**
 * Ctrl-C and SIGTERM, the same for every command: the first one aborts the signal returned here, so
 * the command stops at its next check and cleans up, and the CLI exits 130 with one message; a
 * second one exits at once. `main` installs it before any command runs; commands ask for the signal.
 */
import { InterruptedError } from '../errors.js';
import { EXIT_CODES } from './output.js';

let controller: AbortController | undefined;

export function interruptSignal(): AbortSignal {
  if (controller) return controller.signal;
  const current = new AbortController();
  controller = current;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (current.signal.aborted) {
      process.stderr.write(`headstart: ${signal} again: exiting now\n`);
      process.exit(EXIT_CODES.interrupted);
    }
    process.stderr.write(`${signal} received: stopping (press Ctrl-C again to quit at once)\n`);
    current.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return current.signal;
}
