/** CLI output conventions: human text on stdout/stderr, and with --json one JSON object as the last stdout line. */
import { HeadstartError } from '../errors.js';

export function printJsonResult(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** 130 = 128 + SIGINT, the shell convention for a run stopped by Ctrl-C; 5: a service (Redis) went away, try again later. */
export const EXIT_CODES = { internal: 1, usage: 2, data: 3, model: 4, unavailable: 5, interrupted: 130 } as const;

/** `headstart: <message>` (+ hint) on stderr; a stack trace only with --debug. Returns the exit code. */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof HeadstartError) {
    process.stderr.write(`headstart: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return EXIT_CODES[error.category];
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`headstart: internal error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('  hint: run again with --debug for the stack trace\n');
  return EXIT_CODES.internal;
}
