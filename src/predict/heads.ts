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
  const refs = values.map((value) => {
    const match = /^([A-Za-z_][\w-]*)=(.+)$/.exec(value);
    return match ? { name: match[1], dir: match[2] } : { name: path.basename(path.resolve(value)), dir: value };
  });
  if (refs.length === 1 && !/^[A-Za-z_][\w-]*=/.test(values[0])) return [{ name: '', dir: refs[0].dir }];
  checkHeadNames(refs.map((ref) => ref.name));
  return refs;
}

export class HeadSet {
  private constructor(
    private readonly refs: readonly ModelRef[],
    private readonly classifiers: readonly TextClassifier[],
  ) {}

  /** Loads every model; refuses models whose encoders differ, since each text is embedded once for all heads. */
  static async load(refs: readonly ModelRef[], options: EncoderLoadOptions = {}): Promise<HeadSet> {
    const classifiers: TextClassifier[] = [];
    try {
      for (const ref of refs) classifiers.push(await TextClassifier.load(ref.dir, options));
      const base = classifiers[0].encoder.fingerprint;
      classifiers.forEach((classifier, i) => {
        if (classifier.encoder.fingerprint !== base) {
          throw new UsageError(
            'HEADS_ENCODER_MISMATCH',
            `models ${refs[0].dir} and ${refs[i].dir} were trained on different encoders (fingerprints ${base.slice(0, 12)} and ${classifier.encoder.fingerprint.slice(0, 12)})`,
            {
              hint: 'heads predicted together share one embedding per text: train them on the same encoder, or run predict once per model',
            },
          );
        }
      });
      return new HeadSet(refs, classifiers);
    } catch (error) {
      await Promise.all(classifiers.map((classifier) => classifier.dispose()));
      throw error;
    }
  }

  get shapes(): HeadShape[] {
    return this.refs.map((ref, i) => ({ name: ref.name, multiLabel: this.classifiers[i].multiLabel }));
  }

  /** Classifies the rows that were read; rows with an `error` get no prediction. */
  async classify(chunk: Chunk, settings: RowSettings): Promise<ChunkResult> {
    const readable = chunk.rows.flatMap((row, i) => (row.error === undefined ? [i] : []));
    const texts = readable.map((i) => chunk.rows[i].text);
    const predictions: RowPredictions = this.classifiers.map(() => new Array(chunk.rows.length));
    let truncated = 0;
    let empty = 0;
    if (texts.length > 0) {
      const embedded = await this.classifiers[0].embedPrimary(texts);
      for (const [h, classifier] of this.classifiers.entries()) {
        const decided = classifier.decide(await classifier.predictProba(texts, { embedded }), settings.topK);
        decided.forEach((prediction, j) => (predictions[h][readable[j]] = prediction));
      }
      for (const info of embedded.info) {
        truncated += info.truncated ? 1 : 0;
        empty += info.empty ? 1 : 0;
      }
    }
    const invalidUtf8 = chunk.rows.filter((row) => row.invalidUtf8).length;
    const unreadable = chunk.rows.length - readable.length;
    const text = formatRows(chunk.rows, this.shapes, predictions, settings);
    return { first: chunk.first, rows: chunk.rows.length, text, truncated, empty, invalidUtf8, unreadable };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.classifiers.map((classifier) => classifier.dispose()));
  }
}
