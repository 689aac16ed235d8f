/**
 * Training data that would quietly change the task: a few list-valued labels turning the model
 * multi-label, labels that differ only in case or spaces, texts the encoder cannot read, labels
 * with one example each. Library training (fit, the auto recipe, cross-validation, distillation)
 * and the CLI go through here; refusals are DataErrors with numbers, the rest warnings with numbers.
 */
import { knowsVocabulary, type Encoder } from '../encoders/index.js';
import { DataError, UsageError, type ErrorLocation } from '../errors.js';
import { isMultiLabelInput, labelVocabulary, type LabelInput } from '../labels.js';

export interface TaskWarning {
  code: 'LABELS_DIFFER_IN_CASE' | 'TEXTS_WITHOUT_TOKENS';
  message: string;
}

/** Where row `index` came from, for messages; the library's default is the index itself. */
export type RowLocator = (index: number) => ErrorLocation;

const byIndex: RowLocator = (index) => ({ index, field: 'label' });

/** Above this share of texts without a known token training warns; above the second it refuses. */
const TOKENLESS_WARN_SHARE = 0.2;
const TOKENLESS_REFUSE_SHARE = 0.9;
/**
 * Refused: more than half of the labels have a single example, and there are more of them than
 * this (a few, as in label descriptions for zero-shot training, are fine).
 */
const MAX_SINGLE_EXAMPLE_LABELS = 100;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Refuses training data no recipe can learn from, before anything is embedded, and returns its
 * labels as one kind (labelsOfOneKind).
 */
export function trainableTask(texts: readonly string[], labels: LabelInput, multiLabel?: boolean): LabelInput {
  if (!Array.isArray(texts)) throw new TypeError(`fit takes an array of texts, got ${typeof texts}`);
  if (texts.length !== labels.length) {
    throw new UsageError('FIT_LENGTH_MISMATCH', `fit got ${texts.length} texts but ${labels.length} labels`);
  }
  if (texts.length === 0) throw new DataError('NO_TRAINING_DATA', 'fit got no texts');
  texts.forEach((text, index) => {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new DataError('EMPTY_TEXT', 'training text is empty', {
        location: { index, field: 'text' },
        hint: 'remove the row or read the file with --on-bad-row skip',
      });
    }
  });
  const vocabulary = labelVocabulary(labels);
  const task = labelsOfOneKind(labels, multiLabel);
  if (!isMultiLabelInput(task) && vocabulary.length < 2) {
    throw new DataError(
      'SINGLE_CLASS',
      `training data has only one class (${vocabulary[0]}); a classifier needs at least 2`,
    );
  }
  return task;
}

/**
 * The labels as one kind: single labels, or lists (multi-label). Lists are inferred only when every
 * row has one; `multiLabel: true` reads single labels as one-label lists. A mix is refused naming
 * the first list row.
 */
export function labelsOfOneKind(
  labels: readonly unknown[],
  multiLabel: boolean | undefined,
  locate: RowLocator = byIndex,
): LabelInput {
  if (multiLabel === true) return labels.map((entry) => (typeof entry === 'string' ? [entry] : entry)) as string[][];
  let lists = 0;
  for (const entry of labels) if (Array.isArray(entry)) lists++;
  if (lists === 0) return labels as string[];
  if (lists === labels.length && multiLabel === undefined) return labels as string[][];
  const first = labels.findIndex((entry) => Array.isArray(entry));
  const rest = lists === labels.length ? 'multiLabel is false' : 'the rest one label each';
  throw new DataError(
    'MIXED_LABEL_KINDS',
    `${count(lists)} of ${count(labels.length)} rows have a list of labels (the first is this one); ${rest}`,
    {
      location: locate(first),
      hint: 'to train a multi-label model pass --multi-label (library: multiLabel: true), which reads a single label as a one-label list; else give those rows one label each',
    },
  );
}

/**
 * Refuses what cannot be learned (texts without known tokens, absurdly many one-example labels)
 * and returns the warnings for what is suspect. `encoder` is asked about tokens only when it knows
 * its vocabulary (static encoders).
 */
export function checkTrainingTask(texts: readonly string[], labels: LabelInput, encoder?: Encoder): TaskWarning[] {
  const counts = labelCounts(labels);
  refuseSingleExampleLabels(counts);
  return [...caseCollisions(counts), ...tokenlessTexts(texts, encoder)];
}

function labelCounts(labels: LabelInput): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of labels)
    for (const label of typeof entry === 'string' ? [entry] : entry) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

function refuseSingleExampleLabels(counts: Map<string, number>): void {
  let single = 0;
  for (const n of counts.values()) if (n === 1) single++;
  if (single <= MAX_SINGLE_EXAMPLE_LABELS || single * 2 <= counts.size) return;
  throw new DataError(
    'SINGLE_EXAMPLE_LABELS',
    `${count(single)} of ${count(counts.size)} labels have one example; a classifier cannot learn them`,
    {
      hint: 'check the label column (is it an id or the text?); merge rare labels, or collect more examples per label',
    },
  );
}

/** Labels equal once trimmed and lower-cased, which training would keep as separate classes. */
function caseCollisions(counts: Map<string, number>): TaskWarning[] {
  const groups = new Map<string, string[]>();
  for (const label of counts.keys()) {
    const key = label.trim().toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), label]);
  }
  const colliding = [...groups.values()]
    .filter((group) => group.length > 1)
    .map((group) => group.sort((a, b) => counts.get(b)! - counts.get(a)!));
  if (colliding.length === 0) return [];
  const shown = colliding
    .map((group) => group.map((label) => `${JSON.stringify(label)} (${count(counts.get(label)!)})`).join(' vs '))
    .join('; ');
  return [
    {
      code: 'LABELS_DIFFER_IN_CASE',
      message: `labels that differ only in case or surrounding spaces are trained as separate classes: ${shown}`,
    },
  ];
}

function tokenlessTexts(texts: readonly string[], encoder: Encoder | undefined): TaskWarning[] {
  if (!encoder || !knowsVocabulary(encoder)) return [];
  let tokenless = 0;
  for (const text of texts) if (!encoder.knowsAnyToken(text)) tokenless++;
  const share = tokenless / texts.length;
  if (share <= TOKENLESS_WARN_SHARE) return [];
  const message = `${count(tokenless)} of ${count(texts.length)} training texts have no token the encoder knows (${Math.round(share * 100)}%)`;
  const hint =
    'is the text column right, and is the text in a language the encoder covers? --encoder tfidf learns its vocabulary from the data';
  if (share > TOKENLESS_REFUSE_SHARE)
    throw new DataError('TEXTS_WITHOUT_TOKENS', `${message}: they all become the same zero vector`, { hint });
  return [{ code: 'TEXTS_WITHOUT_TOKENS', message: `${message}: they reach the head as zero vectors` }];
}
