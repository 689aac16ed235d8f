/** The TF-IDF encoder's state file: what `saveState` writes, and the checks a loaded one must pass. */
import type { TfidfSettings } from '../encoder.js';

export const TFIDF_STATE_FILE = 'tfidf.json';
const STATE_FORMAT = 'headstart-tfidf';
const STATE_VERSION = 1;

export interface TfidfState {
  terms: string[];
  idf: Float32Array;
}

/** Reports the field (undefined: the whole file) that is wrong; never returns. */
type Fail = (field: string | undefined, message: string) => never;

export function serializeTfidfState(options: Readonly<TfidfSettings>, { terms, idf }: TfidfState): string {
  return JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, options, terms, idf: Array.from(idf) });
}

/** The options and the state in a parsed state file, checked in that order. */
export function parseTfidfState(raw: unknown, fail: Fail): { options: TfidfSettings; state: TfidfState } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(undefined, 'not a JSON object');
  const { format, version, options, terms, idf } = raw as Record<string, unknown>;
  if (format !== STATE_FORMAT) fail('format', `expected "${STATE_FORMAT}", got ${JSON.stringify(format)}`);
  if (version !== STATE_VERSION) fail('version', `expected ${STATE_VERSION}, got ${JSON.stringify(version)}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail('options', 'not an object');
  const checked = checkOptions(options as Partial<TfidfSettings>, (field, message) =>
    fail(`options.${field}`, message),
  );
  return { options: checked, state: checkState(terms, idf, fail) };
}

export function checkOptions(
  options: Partial<TfidfSettings>,
  fail: (field: string, message: string) => never,
): TfidfSettings {
  const { ngramMax, minDf, maxFeatures, sublinearTf } = options;
  if (ngramMax !== 1 && ngramMax !== 2) fail('ngramMax', `must be 1 or 2, got ${JSON.stringify(ngramMax)}`);
  if (!Number.isSafeInteger(minDf) || minDf! < 1)
    fail('minDf', `must be a positive integer, got ${JSON.stringify(minDf)}`);
  if (!Number.isSafeInteger(maxFeatures) || maxFeatures! < 1)
    fail('maxFeatures', `must be a positive integer, got ${JSON.stringify(maxFeatures)}`);
  if (typeof sublinearTf !== 'boolean')
    fail('sublinearTf', `must be true or false, got ${JSON.stringify(sublinearTf)}`);
  return { ngramMax: ngramMax!, minDf: minDf!, maxFeatures: maxFeatures!, sublinearTf: sublinearTf! };
}

function checkState(terms: unknown, idf: unknown, fail: Fail): TfidfState {
  if (!Array.isArray(terms) || terms.length === 0) return fail('terms', 'must be a non-empty list of strings');
  const seen = new Set<string>();
  terms.forEach((term, i) => {
    if (typeof term !== 'string' || term.length === 0)
      fail(`terms[${i}]`, `must be a non-empty string, got ${JSON.stringify(term)}`);
    if (seen.has(term)) fail(`terms[${i}]`, `duplicate term ${JSON.stringify(term)}`);
    seen.add(term);
  });
  if (!Array.isArray(idf) || idf.length !== terms.length)
    fail('idf', `must be a list of ${terms.length} numbers, one per term`);
  (idf as unknown[]).forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1)
      fail(`idf[${i}]`, `must be a finite number >= 1, got ${JSON.stringify(value)}`);
  });
  return { terms: terms as string[], idf: Float32Array.from(idf as number[]) };
}
