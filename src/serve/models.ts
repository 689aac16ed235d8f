/** The models a server holds, by name: `--model DIR` (named after the folder) or `--model NAME=DIR`. */
import path from 'node:path';
import { describeSpec, TextClassifier, type Prediction } from '../classifier.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION } from '../checkpoint/index.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { DataError, UsageError } from '../errors.js';
import { Refusal } from './refusal.js';

export interface ModelRef {
  name: string;
  dir: string;
}

export interface ServedModel extends ModelRef {
  classifier: TextClassifier;
}

/** What `GET /v1/models` says about a model. */
export interface ModelDescription {
  name: string;
  labels: readonly string[];
  multiLabel: boolean;
  encoder: { spec: string; fingerprint: string };
  checkpoint: { path: string; format: string; formatVersion: number };
}

const NAMED = /^([A-Za-z_][\w.-]*)=(.+)$/;

export function parseModelRefs(values: readonly string[]): ModelRef[] {
  const refs = values.map((value) => {
    const match = NAMED.exec(value);
    return match ? { name: match[1]!, dir: match[2]! } : { name: path.basename(path.resolve(value)), dir: value };
  });
  const seen = new Set<string>();
  for (const ref of refs) {
    if (seen.has(ref.name))
      throw new UsageError('MODEL_NAME_DUPLICATE', `two models are both named "${ref.name}"`, {
        hint: 'name them apart with --model NAME=DIR',
      });
    seen.add(ref.name);
  }
  return refs;
}

export class ModelSet {
  private constructor(private readonly models: ReadonlyMap<string, ServedModel>) {}

  static async load(refs: readonly ModelRef[], options: EncoderLoadOptions = {}): Promise<ModelSet> {
    const models = new Map<string, ServedModel>();
    try {
      for (const ref of refs) models.set(ref.name, { ...ref, classifier: await TextClassifier.load(ref.dir, options) });
      return new ModelSet(models);
    } catch (error) {
      await Promise.all([...models.values()].map((model) => model.classifier.dispose()));
      throw error;
    }
  }

  get names(): string[] {
    return [...this.models.keys()];
  }

  /** The model a request names; it may leave the name out only when there is one model. */
  resolve(name: string | undefined): ServedModel {
    if (name === undefined) {
      if (this.models.size === 1) return this.models.values().next().value!;
      throw new Refusal(
        400,
        new DataError(
          'REQUEST_MODEL_REQUIRED',
          `this server holds ${this.models.size} models; say which with "model"`,
          { hint: `one of ${this.quotedNames()}` },
        ),
      );
    }
    const model = this.models.get(name);
    if (!model)
      throw new Refusal(
        404,
        new DataError('MODEL_NOT_SERVED', `no model named ${JSON.stringify(name)} is served`, {
          hint: `one of ${this.quotedNames()} (GET /v1/models lists them)`,
        }),
      );
    return model;
  }

  describe(): ModelDescription[] {
    return [...this.models.values()].map(({ name, dir, classifier }) => ({
      name,
      labels: classifier.labels,
      multiLabel: classifier.multiLabel,
      encoder: { spec: describeSpec(classifier.encoder.spec), fingerprint: classifier.encoder.fingerprint },
      checkpoint: { path: path.resolve(dir), format: CHECKPOINT_FORMAT, formatVersion: CHECKPOINT_FORMAT_VERSION },
    }));
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.models.values()].map((model) => model.classifier.dispose()));
  }

  private quotedNames(): string {
    return this.names.map((name) => JSON.stringify(name)).join(', ');
  }
}

/** Every label ranked for each text: each request of a batch then keeps its own top_k. */
export async function classifyRanked(classifier: TextClassifier, texts: readonly string[]): Promise<Prediction[]> {
  return classifier.decide(await classifier.predictProba(texts), classifier.labels.length);
}
