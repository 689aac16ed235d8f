/**
 * Options of static-encoder fine-tuning. The table is trained in units where its entries have RMS 1
 * (every output is L2-normalised, so the scale is free), which makes the table step size and the
 * pull mean the same for an int8 table scaled to +-127 and a float table scaled to +-0.1.
 */
import { UsageError } from '../errors.js';
import { definedOnly } from '../util/index.js';

export interface FineTuneOptions {
  /** Adam step size for the embedding table's rows (the head keeps `learningRate`). */
  tableLearningRate: number;
  /** L2 pull of every updated row towards its pretrained value: `l2Pull * (row - pretrained)` joins its gradient. */
  l2Pull: number;
}

/** `true` for the defaults, or some options to override them (an undefined one keeps its default). */
export type FineTuneOption = boolean | { [K in keyof FineTuneOptions]?: FineTuneOptions[K] | undefined };

export const DEFAULT_FINE_TUNE_OPTIONS: FineTuneOptions = { tableLearningRate: 3e-3, l2Pull: 0 };

/** The resolved options, or undefined when fine-tuning is off; UsageError naming a bad option. */
export function resolveFineTune(option: FineTuneOption | undefined): FineTuneOptions | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { ...DEFAULT_FINE_TUNE_OPTIONS };
  if (typeof option !== 'object' || option === null) {
    throw new UsageError(
      'FINE_TUNE_OPTION',
      `option "fineTune" must be true, false or an object, got ${JSON.stringify(option)}`,
    );
  }
  const defined = definedOnly(option);
  const resolved: FineTuneOptions = { ...DEFAULT_FINE_TUNE_OPTIONS, ...defined };
  for (const key of Object.keys(resolved)) {
    if (!(key in DEFAULT_FINE_TUNE_OPTIONS))
      throw new UsageError(
        'FINE_TUNE_OPTION',
        `unknown fineTune option "${key}" (known: ${Object.keys(DEFAULT_FINE_TUNE_OPTIONS).join(', ')})`,
      );
  }
  const { tableLearningRate, l2Pull } = resolved;
  if (typeof tableLearningRate !== 'number' || !(tableLearningRate > 0) || !Number.isFinite(tableLearningRate)) {
    throw new UsageError(
      'FINE_TUNE_OPTION',
      `option "fineTune.tableLearningRate" must be a number > 0, got ${JSON.stringify(tableLearningRate)}`,
    );
  }
  if (typeof l2Pull !== 'number' || !(l2Pull >= 0) || !Number.isFinite(l2Pull)) {
    throw new UsageError(
      'FINE_TUNE_OPTION',
      `option "fineTune.l2Pull" must be a number >= 0, got ${JSON.stringify(l2Pull)}`,
    );
  }
  return resolved;
}
