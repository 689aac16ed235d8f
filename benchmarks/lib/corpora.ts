/** Labelled corpora (registry names or files) as plain text/label arrays, and seeded subsamples of them. */
import { readDataset, resolveDataSource } from '../../src/data/index.js';
import { labelSetStrata, stratifiedSplit } from '../../src/splits/index.js';
import type { LabelInput } from '../../src/labels.js';

export interface LabelledData {
  source: string;
  texts: string[];
  /** One label per text, or a label list per text (multi-label). */
  labels: string[] | string[][];
  multiLabel: boolean;
  labelSet: string[];
}

export async function loadLabelled(source: string): Promise<LabelledData> {
  const resolved = resolveDataSource(source);
  const dataset = await readDataset(resolved.path, resolved.options);
  const texts = dataset.examples.map((e) => e.text);
  const labels = dataset.multiLabel ? dataset.examples.map((e) => e.labels) : dataset.examples.map((e) => e.labels[0]);
  return { source, texts, labels, multiLabel: dataset.multiLabel, labelSet: dataset.labelSet };
}

/** Integer strata for stratified splits: the class, or the label set for multi-label rows. */
export function strataOf(labels: LabelInput, multiLabel: boolean): Int32Array {
  if (multiLabel) return labelSetStrata(labels as readonly (readonly string[])[]);
  const index = new Map<string, number>();
  return Int32Array.from(labels as readonly string[], (label) => {
    if (!index.has(label)) index.set(label, index.size);
    return index.get(label)!;
  });
}

export function pick<T>(items: readonly T[], indices: ArrayLike<number>): T[] {
  return Array.from(indices as ArrayLike<number>, (i) => items[i]);
}

export function subset(data: LabelledData, indices: ArrayLike<number>): LabelledData {
  return {
    ...data,
    texts: pick(data.texts, indices),
    labels: pick(data.labels as readonly unknown[], indices) as string[] | string[][],
  };
}

/** A stratified, seeded subsample of at most `limit` rows (the data itself when it is smaller). */
export function subsample(data: LabelledData, limit: number, seed: number): LabelledData {
  if (data.texts.length <= limit) return data;
  const split = stratifiedSplit(strataOf(data.labels, data.multiLabel), limit / data.texts.length, seed);
  return subset(data, split.test);
}
