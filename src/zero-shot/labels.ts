/**
 * Label descriptions for zero- and few-shot training: `--labels "positive: good news for the
 * company, negative: bad news"`. Each description becomes a training example of its label, so with
 * no labelled data the head separates the description embeddings (a similarity classifier between
 * text and description that saves and loads like any other head), and with data it is a prior
 * twice over: extra examples, and what the `auto` recipe's few-shot label similarity compares texts with.
 */
import { UsageError } from '../errors.js';
import type { FitOptions } from '../classifier.js';

export interface LabelDescription {
  label: string;
  description: string;
}

/**
 * Parses `label: description, label: description`. A comma followed by another `label:` starts a
 * new entry, so descriptions may contain commas; `|` separates several descriptions of one label.
 */
export function parseLabelDescriptions(value: string): LabelDescription[] {
  const entries = value
    .split(/,(?=\s*[^,:|]+:)/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const seen = new Set<string>();
  const parsed: LabelDescription[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const label = colon > 0 ? entry.slice(0, colon).trim() : '';
    const descriptions =
      colon > 0
        ? entry
            .slice(colon + 1)
            .split('|')
            .map((d) => d.trim())
            .filter((d) => d !== '')
        : [];
    if (label === '' || descriptions.length === 0) {
      throw new UsageError(
        'BAD_LABEL_DESCRIPTIONS',
        `--labels entry ${JSON.stringify(entry)} is not "label: description"`,
        {
          hint: 'write --labels "positive: good news for the company, negative: bad news for the company"',
        },
      );
    }
    if (seen.has(label))
      throw new UsageError('BAD_LABEL_DESCRIPTIONS', `--labels names ${JSON.stringify(label)} twice`);
    seen.add(label);
    for (const description of descriptions) parsed.push({ label, description });
  }
  if (seen.size < 2)
    throw new UsageError('BAD_LABEL_DESCRIPTIONS', `--labels needs at least 2 labels, got ${seen.size}`);
  return parsed;
}

/** The descriptions of each label, in the form label similarity takes (src/members/label-similarity.ts). */
export function descriptionsByLabel(descriptions: readonly LabelDescription[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const { label, description } of descriptions) (grouped[label] ??= []).push(description);
  return grouped;
}

/**
 * Head options for training on descriptions alone: softmax regression on the raw unit vectors
 * (z-scoring a handful of rows is noise), no held-out split, no refit or calibration.
 */
export const ZERO_SHOT_FIT_OPTIONS: FitOptions = {
  head: 'linear',
  hidden: 0,
  dropout: 0,
  standardize: false,
  learningRate: 0.05,
  epochs: 100,
  validationSplit: 0,
  refit: false,
  calibrate: false,
};
