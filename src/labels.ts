/** Label vocabularies: string labels <-> class indices, single- and multi-label. */
import { DataError } from './errors.js';
import type { LabelTargets } from './heads/index.js';

export type LabelInput = readonly string[] | readonly (readonly string[])[];

export function isMultiLabelInput(labels: LabelInput): labels is readonly (readonly string[])[] {
  return labels.length > 0 && Array.isArray(labels[0]);
}

/** The sorted set of labels seen in training data. */
export function labelVocabulary(labels: LabelInput): string[] {
  const set = new Set<string>();
  labels.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' && !Array.isArray(entry)) {
      throw new DataError('MISSING_LABEL', `missing label (got ${String(entry)})`, {
        location: { index, field: 'label' },
        hint: 'every text needs a label: a string, or a list of strings for multi-label data',
      });
    }
  });
  for (const entry of labels) for (const label of typeof entry === 'string' ? [entry] : entry) set.add(label);
  return [...set].sort();
}

/** Class indices (single-label) or a 0/1 matrix (multi-label) against `vocabulary`; unknown labels are a DataError. */
export function encodeTargets(labels: LabelInput, vocabulary: readonly string[]): LabelTargets {
  const index = new Map(vocabulary.map((label, i) => [label, i]));
  const lookup = (label: string, row: number): number => {
    const i = index.get(label);
    if (i === undefined) {
      throw new DataError(
        'UNKNOWN_LABEL',
        `label ${JSON.stringify(label)} is not one the model knows (${vocabulary.join(', ')})`,
        {
          location: { index: row, field: 'label' },
        },
      );
    }
    return i;
  };
  if (isMultiLabelInput(labels)) {
    const matrix = new Uint8Array(labels.length * vocabulary.length);
    labels.forEach((set, row) => set.forEach((label) => (matrix[row * vocabulary.length + lookup(label, row)] = 1)));
    return { kind: 'multi', labels: matrix };
  }
  return { kind: 'single', labels: Int32Array.from(labels as readonly string[], (label, row) => lookup(label, row)) };
}

/** Labels in `labels` that `vocabulary` lacks, with how often each occurs. */
export function unknownLabels(labels: LabelInput, vocabulary: readonly string[]): Map<string, number> {
  const known = new Set(vocabulary);
  const unknown = new Map<string, number>();
  for (const entry of labels) {
    for (const label of typeof entry === 'string' ? [entry] : entry) {
      if (!known.has(label)) unknown.set(label, (unknown.get(label) ?? 0) + 1);
    }
  }
  return unknown;
}
