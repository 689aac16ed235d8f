/** Temperature-softened teacher probabilities, the soft labels a student learns from. */

/**
 * Each row p raised to 1/T and renormalised: for a softmax teacher this is softmax(logits / T),
 * computed from the probabilities alone (log p = logits - a per-row constant). T > 1 spreads the
 * mass onto the runner-up classes, whose relative sizes are what distillation transfers.
 */
export function softenProbabilities(probabilities: Float32Array, numLabels: number, temperature: number): Float32Array {
  if (temperature === 1) return probabilities.slice();
  const out = new Float32Array(probabilities.length);
  const logs = new Float64Array(numLabels);
  for (let offset = 0; offset < probabilities.length; offset += numLabels) {
    let max = -Infinity;
    for (let label = 0; label < numLabels; label++) {
      const log = Math.log(probabilities[offset + label]!) / temperature;
      logs[label] = log;
      if (log > max) max = log;
    }
    let sum = 0;
    for (let label = 0; label < numLabels; label++) sum += logs[label] = Math.exp(logs[label]! - max);
    for (let label = 0; label < numLabels; label++) out[offset + label] = logs[label]! / sum;
  }
  return out;
}
