import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classificationReport,
  expectedCalibrationError,
  expectedMacroF1,
  formatConfusion,
  meanStd,
  multiLabelReport,
} from '../src/metrics/index.js';
import { UsageError } from '../src/errors.js';

describe('classificationReport', () => {
  /*
   * Worked by hand. labels a b c d; yTrue = a a a b b c, yPred = a a b b c c.
   * confusion [true][pred]:  a: 2 1 0 0 | b: 0 1 1 0 | c: 0 0 1 0 | d: 0 0 0 0
   *   a: tp 2, fp 0, fn 1 -> P 1,   R 2/3, F1 2*2/(4+0+1) = 0.8
   *   b: tp 1, fp 1, fn 1 -> P 1/2, R 1/2, F1 2/(2+1+1)   = 0.5
   *   c: tp 1, fp 1, fn 0 -> P 1/2, R 1,   F1 2/(2+1+0)   = 2/3
   *   d: never true nor predicted -> all 0, and left out of the macro average (scikit-learn's default).
   * accuracy = micro-F1 = 4/6; macro = (0.8 + 0.5 + 2/3) / 3 = 0.655556;
   * weighted = (0.8*3 + 0.5*2 + 2/3*1) / 6 = 0.677778.
   */
  const report = classificationReport([0, 0, 0, 1, 1, 2], Int32Array.from([0, 0, 1, 1, 2, 2]), ['a', 'b', 'c', 'd']);

  it('matches the hand-computed example', () => {
    expect(report.confusion).toEqual([
      [2, 1, 0, 0],
      [0, 1, 1, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
    expect(report.accuracy).toBeCloseTo(4 / 6, 12);
    expect(report.microF1).toBeCloseTo(4 / 6, 12);
    expect(report.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(report.weightedF1).toBeCloseTo((0.8 * 3 + 0.5 * 2 + 2 / 3) / 6, 12);
    const [a, b, c, d] = report.perClass;
    expect(a).toEqual({ label: 'a', precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(b).toEqual({ label: 'b', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(c.precision).toBe(0.5);
    expect(c.recall).toBe(1);
    expect(c.f1).toBeCloseTo(2 / 3, 12);
    expect(d).toEqual({ label: 'd', precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('counts a class that is predicted but never true in the macro average, with precision 0', () => {
    // yTrue a a, yPred a b: a -> P 1, R 1/2, F1 2/3; b -> tp 0, fp 1 -> F1 0. macro = 1/3.
    const r = classificationReport([0, 0], [0, 1], ['a', 'b']);
    expect(r.perClass[1]).toEqual({ label: 'b', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.macroF1).toBeCloseTo(1 / 3, 12);
  });

  it('rejects mismatched lengths, empty input and out-of-range indices', () => {
    expect(() => classificationReport([0], [0, 1], ['a', 'b'])).toThrow(UsageError);
    expect(() => classificationReport([], [], ['a'])).toThrow(UsageError);
    expect(() => classificationReport([0, 2], [0, 1], ['a', 'b'])).toThrow(/yTrue\[1\] = 2/);
  });
});

describe('multiLabelReport', () => {
  /*
   * Worked by hand, 4 rows x labels x y z (row-major):
   *   true  [1 0 0] [1 1 0] [0 0 0] [0 1 0]
   *   pred  [1 1 0] [0 1 0] [0 0 1] [0 1 0]
   *   x: tp 1, fp 0, fn 1 -> P 1,   R 1/2, F1 2/3
   *   y: tp 2, fp 1, fn 0 -> P 2/3, R 1,   F1 4/5
   *   z: tp 0, fp 1, fn 0 -> F1 0
   *   micro: tp 3, fp 2, fn 1 -> 6/9 = 2/3; macro (all columns) = (2/3 + 4/5 + 0)/3 = 22/45; subset accuracy: row 4 only = 1/4.
   */
  const yTrue = Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0]);
  const yPred = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0]);

  it('matches the hand-computed example', () => {
    const report = multiLabelReport(yTrue, yPred, 3, ['x', 'y', 'z']);
    expect(report.microF1).toBeCloseTo(2 / 3, 12);
    expect(report.macroF1).toBeCloseTo(22 / 45, 12);
    expect(report.subsetAccuracy).toBe(0.25);
    expect(report.perLabel[0]).toMatchObject({ label: 'x', precision: 1, recall: 0.5, support: 2 });
    expect(report.perLabel[1].precision).toBeCloseTo(2 / 3, 12);
    expect(report.perLabel[1].f1).toBeCloseTo(0.8, 12);
    expect(report.perLabel[2]).toEqual({ label: 'z', precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('rejects shapes that do not fit', () => {
    expect(() => multiLabelReport(yTrue, yPred, 3, ['x', 'y'])).toThrow(UsageError);
    expect(() => multiLabelReport(yTrue, yPred.subarray(1), 3, ['x', 'y', 'z'])).toThrow(UsageError);
  });
});

describe('expectedCalibrationError', () => {
  /*
   * Rows (p0, p1) -> top confidence, correct?:
   *   (.85 .15) y0 -> .85 yes;  (.75 .25) y1 -> .75 no;  (.35 .65) y1 -> .65 yes;  (.45 .55) y0 -> .55 no.
   * 10 bins: one row per bin -> (|1-.85| + |0-.75| + |1-.65| + |0-.55|) / 4 = 1.8/4 = 0.45.
   * 2 bins: all in (0.5, 1] -> |accuracy 2/4 - mean confidence 0.7| = 0.2.
   */
  const probs = Float32Array.from([0.85, 0.15, 0.75, 0.25, 0.35, 0.65, 0.45, 0.55]);
  const yTrue = [0, 1, 1, 0];

  it('matches the hand-computed example for two binnings', () => {
    expect(expectedCalibrationError(probs, 2, yTrue, 10)).toBeCloseTo(0.45, 6);
    expect(expectedCalibrationError(probs, 2, yTrue, 2)).toBeCloseTo(0.2, 6);
  });

  it('is 0 for confident correct predictions and 15 bins by default', () => {
    expect(expectedCalibrationError(Float32Array.from([1, 0, 0, 1]), 2, [0, 1])).toBe(0);
    expect(expectedCalibrationError(probs, 2, yTrue)).toBeCloseTo(0.45, 6);
  });

  it('rejects a probability matrix of the wrong size', () => {
    expect(() => expectedCalibrationError(probs, 3, yTrue)).toThrow(UsageError);
  });
});

describe('expectedMacroF1', () => {
  it('matches the hand-computed example', () => {
    // Beliefs (.8 .2), (.4 .6), (.3 .7); decisions 0, 1, 0.
    // Class 0: expected TP .8 + .3 = 1.1, decided 2, expected support 1.5 -> 2.2 / 3.5.
    // Class 1: expected TP .6, decided 1, expected support 1.5 -> 1.2 / 2.5.
    const belief = Float32Array.from([0.8, 0.2, 0.4, 0.6, 0.3, 0.7]);
    expect(expectedMacroF1(Int32Array.from([0, 1, 0]), belief, 2)).toBeCloseTo((2.2 / 3.5 + 1.2 / 2.5) / 2, 6);
  });

  it('equals macro-F1 against the labels when the belief is certain (every class present)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 5 })
          .chain((k) =>
            fc.tuple(
              fc.constant(k),
              fc.array(fc.tuple(fc.nat(k - 1), fc.nat(k - 1)), { maxLength: 40 }),
              fc.array(fc.nat(k - 1), { minLength: k, maxLength: k }),
            ),
          ),
        ([k, rows, firstDecisions]) => {
          // The first k rows carry every class, so classificationReport averages over all k.
          const labels = [...Array.from({ length: k }, (_, c) => c), ...rows.map(([label]) => label)];
          const decisions = Int32Array.from([...firstDecisions, ...rows.map(([, decision]) => decision)]);
          const belief = new Float32Array(labels.length * k);
          labels.forEach((label, row) => (belief[row * k + label] = 1));
          const names = Array.from({ length: k }, (_, c) => String(c));
          expect(expectedMacroF1(decisions, belief, k)).toBeCloseTo(
            classificationReport(labels, decisions, names).macroF1,
            6,
          );
        },
      ),
      { seed: 5, numRuns: 200 },
    );
  });

  it('rejects a belief of the wrong size, a decision that is not a class and zero rows', () => {
    const belief = Float32Array.from([0.5, 0.5]);
    expect(() => expectedMacroF1(Int32Array.from([0, 1]), belief, 2)).toThrow(
      /belief has 2 entries; expected 2 rows x 2 labels/,
    );
    expect(() => expectedMacroF1(Int32Array.from([2]), belief, 2)).toThrow(/decisions\[0\] = 2 is not a label index/);
    expect(() => expectedMacroF1(new Int32Array(0), new Float32Array(0), 2)).toThrow(UsageError);
  });
});

describe('meanStd', () => {
  it('returns the mean and the sample (n - 1) standard deviation', () => {
    // mean 5; squared deviations sum to 32; sample variance 32/7.
    const { mean, std } = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(mean).toBe(5);
    expect(std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(meanStd([0.8])).toEqual({ mean: 0.8, std: 0 });
    expect(() => meanStd([])).toThrow(UsageError);
  });
});

describe('formatConfusion', () => {
  it('lays out numbered, right-aligned columns with named rows', () => {
    const text = formatConfusion(
      [
        [12, 3],
        [0, 105],
      ],
      ['negative', 'positive'],
    );
    expect(text.split('\n')).toEqual(['true \\ pred    0   1', '0 negative    12   3', '1 positive     0 105']);
  });
});
