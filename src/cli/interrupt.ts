/**
 * Ctrl-C and SIGTERM, the same for every command: the first one aborts the signal returned here, so
 * the command stops at its next check and cleans up, and the CLI exits 130 with one message; a
 * second one exits at once. `main` installs it before any command runs; commands ask for the signal.
 */
import { InterruptedError } from '../errors.js';
import { EXIT_CODES } from './output.js';

let controller: AbortController | undefined;
let signalIsNormalStop = false;

/** For a command whose normal way to end is a signal (the queue worker): it then exits 0, not 130. */
export function treatSignalAsNormalStop(): void {
  signalIsNormalStop = true;
}

/** Whether the run was stopped by a signal that was not its normal way to end. */
export function interruptedAbnormally(): boolean {
  return Boolean(controller?.signal.aborted) && !signalIsNormalStop;
}

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
