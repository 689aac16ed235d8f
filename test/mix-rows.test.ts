/**
 * The mix applied row by row in one array (src/fusion/mix.ts, `applyMix`) against the way it was
 * applied before, kept here as the reference: the weighted average over the whole matrix, then the
 * prior correction, then the temperature, each into a new matrix. Every float32 byte must be the
 * same, for one to three members (some of weight 0), 1 to 80 labels, probabilities over many binary
 * orders of magnitude with zeros and ties, with and without prior correction and temperature.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMix, type Mix } from '../src/fusion/mix.js';

const FLOOR = 1e-12;

function referenceMix(mix: Mix, parts: readonly (Float32Array | undefined)[], dim: number): Float32Array {
  const used = mix.weights.flatMap((weight, i) => (weight > 0 ? [i] : []));
  let out: Float32Array;
  if (used.length === 1) out = parts[used[0]!]!;
  else {
    const total = used.reduce((sum, i) => sum + mix.weights[i]!, 0);
    out = new Float32Array(parts[used[0]!]!.length);
    for (const i of used) {
      const w = mix.weights[i]! / total;
      if (w === 0) continue;
      for (let k = 0; k < out.length; k++) out[k]! += w * parts[i]![k]!;
    }
  }
  if (mix.prior) {
    out = Float32Array.from(out);
    if (mix.prior.alpha !== 0) {
      const factors = mix.prior.priors.map((p) => Math.pow(p, -mix.prior!.alpha));
      for (let start = 0; start < out.length; start += dim) {
        let sum = 0;
        for (let j = 0; j < dim; j++) sum += out[start + j]! *= factors[j]!;
        if (sum > 0) for (let j = 0; j < dim; j++) out[start + j]! /= sum;
      }
    }
  }
  if (mix.temperature === 1) return out;
  const scaled = new Float32Array(out.length);
  for (let start = 0; start < out.length; start += dim) {
    const logs = Array.from({ length: dim }, (_, j) => Math.log(Math.max(out[start + j]!, FLOOR)));
    const max = Math.max(...logs);
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const value = Math.exp((logs[j]! - max) * (1 / mix.temperature));
      scaled[start + j] = value;
      sum += value;
    }
    for (let j = 0; j < dim; j++) scaled[start + j]! /= sum;
  }
  return scaled;
}

/** Rows of `dim` probabilities, each row normalised from raw magnitudes (some zero, some equal). */
const probabilities = (rows: number, dim: number) =>
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 2 ** -40, max: 1, noNaN: true })), {
      minLength: rows * dim,
      maxLength: rows * dim,
    })
    .map((raw) => {
      const out = new Float32Array(raw.length);
      for (let start = 0; start < raw.length; start += dim) {
        const sum = raw.slice(start, start + dim).reduce((a, b) => a + b, 0) || 1;
        for (let j = 0; j < dim; j++) out[start + j] = raw[start + j]! / sum;
      }
      return out;
    });

const mixCase = fc
  .record({
    members: fc.integer({ min: 1, max: 3 }),
    dim: fc.integer({ min: 1, max: 80 }),
    rows: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ members, dim, rows }) =>
    fc.record({
      dim: fc.constant(dim),
      parts: fc.array(probabilities(rows, dim), { minLength: members, maxLength: members }),
      weights: fc
        .array(fc.constantFrom(0, 0.1, 0.2, 0.3, 0.7, 0.8, 1, 1 / 3), { minLength: members, maxLength: members })
        .filter((w) => w.some((v) => v > 0)),
      prior: fc.option(
        fc.record({
          alpha: fc.constantFrom(0, 0.25, 0.5, 1),
          priors: fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: dim, maxLength: dim }),
        }),
        { nil: undefined },
      ),
      temperature: fc.constantFrom(1, 0.6598148788053174, 1.0126280748102556, 3),
    }),
  );

describe('the mix applied row by row', () => {
  it('is the float32 bytes of the average, prior correction and temperature over whole matrices', () => {
    fc.assert(
      fc.property(mixCase, ({ dim, parts, weights, prior, temperature }) => {
        const mix: Mix = { weights, ...(prior && { prior }), temperature };
        // A member of weight 0 is not run: its part is undefined.
        const given = parts.map((part, i) => (weights[i]! > 0 ? part : undefined));
        const actual = applyMix(mix, given, dim);
        const expected = referenceMix(mix, given, dim);
        expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength)).toEqual(
          Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
        );
      }),
      { seed: 23, numRuns: 500 },
    );
  });
});
