/**
 * Macro-F1 that a set of decisions is expected to score when each row's class is distributed as
 * `belief` says (calibrated probabilities): every class's true positives, false positives and false
 * negatives are summed in expectation over the rows, and its F1 is taken from those sums (the usual
 * plug-in estimate, a ratio of expectations). Unlike macro-F1 against held-out labels, every row
 * counts through its probabilities, so a rare class's score does not hinge on its handful of rows.
 */
import { UsageError } from '../errors.js';
import { ratio } from './classification.js';

/** `decisions` are class indices, `belief` is row-major [rows, numLabels]; the mean F1 over all numLabels classes. */
export function expectedMacroF1(decisions: Int32Array, belief: Float32Array, numLabels: number): number {
  const rows = decisions.length;
  if (numLabels <= 0 || belief.length !== rows * numLabels) {
    throw new UsageError(
      'METRICS_LENGTH_MISMATCH',
      `belief has ${belief.length} entries; expected ${rows} rows x ${numLabels} labels`,
    );
  }
  if (rows === 0) throw new UsageError('METRICS_EMPTY', 'cannot score zero examples');
  const truePositives = new Float64Array(numLabels);
  const decided = new Float64Array(numLabels);
  const mass = new Float64Array(numLabels);
  for (let row = 0; row < rows; row++) {
    const decision = decisions[row];
    if (decision === undefined || !Number.isInteger(decision) || decision < 0 || decision >= numLabels) {
      throw new UsageError(
        'METRICS_BAD_LABEL',
        `decisions[${row}] = ${decision} is not a label index in [0, ${numLabels})`,
      );
    }
    for (let j = 0; j < numLabels; j++) mass[j]! += belief[row * numLabels + j]!;
    truePositives[decision]! += belief[row * numLabels + decision]!;
    decided[decision]!++;
  }
  // 2TP + FP + FN = (TP + FP) + (TP + FN): the rows decided as the class plus its expected support.
  let sum = 0;
  for (let j = 0; j < numLabels; j++) sum += ratio(2 * truePositives[j]!, decided[j]! + mass[j]!);
  return sum / numLabels;
}
