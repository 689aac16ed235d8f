/**
 * Ctrl-C for long-running commands: the first SIGINT (or SIGTERM) aborts the signal returned here,
 * so the command stops at its next check and cleans up; a second one exits at once. Installed only
 * when a command asks for the signal, so other commands keep the default (immediate) behaviour.
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
