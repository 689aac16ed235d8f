/** What a prediction run counts besides its rows: flagged rows, summed chunk by chunk (and kept in the resume journal). */
import type { ChunkResult } from './heads.js';

export interface Counts {
  rows: number;
  truncated: number;
  empty: number;
  invalidUtf8: number;
  unreadable: number;
}

export type ChunkText = Pick<ChunkResult, 'text' | keyof Counts>;

export const NO_COUNTS: Counts = { rows: 0, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 };

export function addCounts(counts: Counts, result: Counts): Counts {
  return {
    rows: counts.rows + result.rows,
    truncated: counts.truncated + result.truncated,
    empty: counts.empty + result.empty,
    invalidUtf8: counts.invalidUtf8 + result.invalidUtf8,
    unreadable: counts.unreadable + result.unreadable,
  };
}
