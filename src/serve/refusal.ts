/** A request the server refuses: the HTTP status, and the typed error whose code and message form the JSON body. */
import type { HeadstartError } from '../errors.js';

export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: HeadstartError,
  ) {
    super(error.message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

export function errorBody(error: HeadstartError): ErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } };
}
