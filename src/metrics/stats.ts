import { UsageError } from '../errors.js';

/** Mean and SAMPLE standard deviation (n - 1 denominator, as for k-fold scores); std is 0 for one value. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) throw new UsageError('METRICS_EMPTY', 'meanStd needs at least one value');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return { mean, std: 0 };
  const squares = values.reduce((acc, value) => acc + (value - mean) ** 2, 0);
  return { mean, std: Math.sqrt(squares / (values.length - 1)) };
}
