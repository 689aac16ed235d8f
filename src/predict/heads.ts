/**
 * Several trained heads over one shared encoder: each chunk of texts is embedded once and
 * classified by every head, then formatted as output text (so serialisation runs wherever the
 * chunk runs: main thread, worker thread or queue worker).
 */
import path from 'node:path';
import { TextClassifier } from '../classifier.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import {
  checkHeadNames,
  formatRows,
  type HeadShape,
  type InputRow,
  type RowPredictions,
  type RowSettings,
} from './format.js';

export interface ModelRef {
  /** Output field for this head; '' when it is the only head. */
  name: string;
  dir: string;
}

export interface Chunk {
  /** 0-based index of the chunk's first record in the input. */
  first: number;
  rows: InputRow[];
}

export interface ChunkResult {
  first: number;
  rows: number;
  text: string;
  truncated: number;
  empty: number;
  /** Rows read with invalid UTF-8 replaced by U+FFFD (classified). */
  invalidUtf8: number;
  /** Rows that could not be read (written with an error, not classified). */
  unreadable: number;
}

/** `--model DIR` or `--model NAME=DIR`; a lone model needs no name, several default to their directory names. */
export function parseModelRefs(values: readonly string[]): ModelRef[] {
  const [only] = values;
  if (only !== undefined && values.length === 1 && !/^[A-Za-z_][\w-]*=/.test(only)) return [{ name: '', dir: only }];
  const refs = values.map((value) => {
    const [, name, dir] = /^([A-Za-z_][\w-]*)=(.+)$/.exec(value) ?? [];
    return name !== undefined && dir !== undefined
      ? { name, dir }
      : { name: path.basename(path.resolve(value)), dir: value };
  });
  checkHeadNames(refs.map((ref) => ref.name));
  return refs;
}

/** One model of a HeadSet: where it was loaded from and its classifier. */
interface LoadedModel {
  ref: ModelRef;
  classifier: TextClassifier;
}

/** Each text is embedded once for all heads, so every model must share the first one's encoder. */
function assertSameEncoder([first, ...others]: readonly LoadedModel[]): void {
  if (!first) return;
  const base = first.classifier.encoder.fingerprint;
  for (const { ref, classifier } of others) {
    const { fingerprint } = classifier.encoder;
    if (fingerprint !== base) {
      throw new UsageError(
        'HEADS_ENCODER_MISMATCH',
        `models ${first.ref.dir} and ${ref.dir} were trained on different encoders (fingerprints ${base.slice(0, 12)} and ${fingerprint.slice(0, 12)})`,
        {
          hint: 'heads predicted together share one embedding per text: train them on the same encoder, or run predict once per model',
        },
      );
    }
  }
}

export class HeadSet {
  private constructor(private readonly models: readonly LoadedModel[]) {}

  /** Loads every model; refuses models whose encoders differ, since each text is embedded once for all heads. */
  static async load(refs: readonly ModelRef[], options: EncoderLoadOptions = {}): Promise<HeadSet> {
    const models: LoadedModel[] = [];
    try {
      for (const ref of refs) models.push({ ref, classifier: await TextClassifier.load(ref.dir, options) });
      assertSameEncoder(models);
      return new HeadSet(models);
    } catch (error) {
      await Promise.all(models.map(({ classifier }) => classifier.dispose()));
      throw error;
    }
  }

  get shapes(): HeadShape[] {
    return this.models.map(({ ref, classifier }) => ({ name: ref.name, multiLabel: classifier.multiLabel }));
  }

  /** Classifies the rows that were read; rows with an `error` get no prediction. */
  async classify(chunk: Chunk, settings: RowSettings): Promise<ChunkResult> {
    // One loop rather than flatMap, which built an array per row (20 ms of CPU per 100k rows).
    const readable: number[] = [];
    const texts: string[] = [];
    let invalidUtf8 = 0;
    chunk.rows.forEach((row, i) => {
      if (row.invalidUtf8) invalidUtf8++;
      if (row.error !== undefined) return;
      readable.push(i);
      texts.push(row.text);
    });
    const [first] = this.models;
    const embedded = first && texts.length > 0 ? await first.classifier.embedPrimary(texts) : undefined;
    const predictions: RowPredictions = [];
    for (const { classifier } of this.models) {
      const column: RowPredictions[number] = new Array(chunk.rows.length);
      if (embedded) {
        const decided = classifier.decide(await classifier.predictProba(texts, { embedded }), settings.topK);
        readable.forEach((row, j) => (column[row] = decided[j]));
      }
      predictions.push(column);
    }
    let truncated = 0;
    let empty = 0;
    for (const info of embedded?.info ?? []) {
      truncated += info.truncated ? 1 : 0;
      empty += info.empty ? 1 : 0;
    }
    const unreadable = chunk.rows.length - readable.length;
    const text = formatRows(chunk.rows, this.shapes, predictions, settings);
    return { first: chunk.first, rows: chunk.rows.length, text, truncated, empty, invalidUtf8, unreadable };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.models.map(({ classifier }) => classifier.dispose()));
  }
}
