/**
 * Typed errors with a stable `code`. Messages are one line and name the file, line and field
 * where there is one; `hint` says what to do about it. The CLI maps `category` to an exit code.
 */
import { printable } from './util/index.js';

export type ErrorCategory = 'usage' | 'data' | 'model' | 'environment' | 'interrupted' | 'internal';

export interface ErrorLocation {
  file?: string | undefined;
  /** 1-based line (or record) number in `file`. */
  line?: number | undefined;
  field?: string | undefined;
  /** 0-based index of the text in an in-memory batch. */
  index?: number | undefined;
}

export class HeadstartError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly hint?: string | undefined;
  readonly location: ErrorLocation;

  constructor(
    category: ErrorCategory,
    code: string,
    message: string,
    options: { hint?: string | undefined; location?: ErrorLocation; cause?: unknown } = {},
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
  constructor(code: string, message: string, options?: { hint?: string | undefined; cause?: unknown }) {
    super('usage', code, message, options);
  }
}

/** Bad input data: files, rows, fields, texts, labels. */
export class DataError extends HeadstartError {
  constructor(
    code: string,
    message: string,
    options?: { hint?: string | undefined; location?: ErrorLocation; cause?: unknown },
  ) {
    super('data', code, message, options);
  }
}

/** Models, encoders and checkpoints that cannot be found, loaded or trusted. */
export class ModelError extends HeadstartError {
  constructor(
    code: string,
    message: string,
    options?: { hint?: string | undefined; location?: ErrorLocation; cause?: unknown },
  ) {
    super('model', code, message, options);
  }
}

/** The machine, not the input: a full disk, a read-only or forbidden location, an output another run holds. */
export class EnvironmentError extends HeadstartError {
  constructor(
    code: string,
    message: string,
    options?: { hint?: string | undefined; location?: ErrorLocation; cause?: unknown },
  ) {
    super('environment', code, message, options);
  }
}

/**
 * A system error as an EnvironmentError: ENOSPC and friends are not bugs, so they must not surface
 * as `internal error`. Given `file` (the caller was writing it), any system error is one (IO_ERROR
 * when it is none of the known ones); without, only the known ones are. Anything else is returned unchanged.
 */
export function environmentError(error: unknown, file?: string): unknown {
  const errno = error as NodeJS.ErrnoException | undefined;
  if (errno instanceof HeadstartError || typeof errno?.syscall !== 'string') return error;
  const where = { location: { file: file ?? errno.path }, cause: error };
  switch (errno.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new EnvironmentError('DISK_FULL', `no space left on the device (${errno.code})`, {
        ...where,
        hint: 'free some space and run again',
      });
    case 'EROFS':
      return new EnvironmentError('NOT_WRITABLE', 'the file system is read-only (EROFS)', {
        ...where,
        hint: 'write somewhere else',
      });
    case 'EACCES':
    case 'EPERM':
      return new EnvironmentError('NOT_WRITABLE', `permission denied (${errno.code})`, {
        ...where,
        hint: 'write somewhere you have permission to, or fix the permissions',
      });
    case 'EISDIR':
      return new EnvironmentError('IS_A_DIRECTORY', 'is a directory, not a file (EISDIR)', where);
    default:
      if (file === undefined) return error;
      return new EnvironmentError('IO_ERROR', `${errno.syscall} failed (${errno.code ?? 'unknown error'})`, where);
  }
}

/** The run was stopped by a signal (Ctrl-C) before it finished; what it writes is only ever renamed into place once complete. */
export class InterruptedError extends HeadstartError {
  constructor(signal: string) {
    super('interrupted', 'INTERRUPTED', `interrupted by ${signal} before finishing`, {
      hint: 'outputs are renamed into place only when complete, so nothing half-written was left (predict --output continues with --resume)',
    });
  }
}

/**
 * The Redis server of a `predict --queue` run stayed unreachable past the allowed outage: nothing is
 * wrong with the input or the command, and `--resume` continues once Redis is back.
 */
export class QueueLostError extends HeadstartError {
  constructor(message: string, options: { hint?: string | undefined; cause?: unknown } = {}) {
    super('environment', 'QUEUE_LOST', message, options);
  }
}

function withLocation(message: string, location?: ErrorLocation): string {
  if (!location) return message;
  const parts: string[] = [];
  if (location.file !== undefined)
    parts.push(location.line !== undefined ? `${location.file}:${location.line}` : location.file);
  else if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.index !== undefined) parts.push(`text #${location.index}`);
  if (location.field !== undefined) parts.push(`field "${printable(location.field)}"`);
  return parts.length ? `${parts.join(', ')}: ${message}` : message;
}
