/**
 * Typed errors with a stable `code`. Messages are one line and name the file, line and field
 * where there is one; `hint` says what to do about it. The CLI maps `category` to an exit code.
 */
export type ErrorCategory = 'usage' | 'data' | 'model' | 'unavailable' | 'interrupted' | 'internal';

export interface ErrorLocation {
  file?: string;
  /** 1-based line (or record) number in `file`. */
  line?: number;
  field?: string;
  /** 0-based index of the text in an in-memory batch. */
  index?: number;
}

export class HeadstartError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly hint?: string;
  readonly location: ErrorLocation;

  constructor(
    category: ErrorCategory,
    code: string,
    message: string,
    options: { hint?: string; location?: ErrorLocation; cause?: unknown } = {},
  ) {
    super(withLocation(message, options.location), { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = category;
    this.hint = options.hint;
    this.location = options.location ?? {};
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends HeadstartError {
  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super('usage', code, message, options);
  }
}

/** Bad input data: files, rows, fields, texts, labels. */
export class DataError extends HeadstartError {
  constructor(code: string, message: string, options?: { hint?: string; location?: ErrorLocation; cause?: unknown }) {
    super('data', code, message, options);
  }
}

/** Models, encoders and checkpoints that cannot be found, loaded or trusted. */
export class ModelError extends HeadstartError {
  constructor(code: string, message: string, options?: { hint?: string; location?: ErrorLocation; cause?: unknown }) {
    super('model', code, message, options);
  }
}

/** The run was stopped by a signal (Ctrl-C) before it finished; what it writes is only ever renamed into place once complete. */
export class InterruptedError extends HeadstartError {
  constructor(signal: string) {
    super('interrupted', 'INTERRUPTED', `interrupted by ${signal} before finishing`, {
      hint: 'outputs are written to a temporary name and renamed when complete, so nothing partial was left behind',
    });
  }
}

/**
 * The Redis server of a `predict --queue` run stayed unreachable past the allowed outage: nothing is
 * wrong with the input or the command, and `--resume` continues once Redis is back.
 */
export class QueueLostError extends HeadstartError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('unavailable', 'QUEUE_LOST', message, options);
  }
}

function withLocation(message: string, location?: ErrorLocation): string {
  if (!location) return message;
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(location.line !== undefined ? `${location.file}:${location.line}` : location.file);
  else if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.index !== undefined) parts.push(`text #${location.index}`);
  if (location.field !== undefined) parts.push(`field "${location.field}"`);
  return parts.length ? `${parts.join(', ')}: ${message}` : message;
}
