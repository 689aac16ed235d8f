/** Checks of head specs, embedding matrices and targets before any tensor is made. */
import { DataError, ModelError, UsageError } from '../errors.js';
import type { Matrix } from '../encoders/index.js';
import type { DenseHeadSpec, HeadSpec, SoftTargets, SparseHeadSpec, Targets } from './head.js';

const HEAD_TYPES = ['linear', 'mlp'];

export function assertHeadSpec(spec: HeadSpec): void {
  if (spec.input !== undefined) assertSparseSpec(spec);
  if (!HEAD_TYPES.includes(spec.type)) {
    throw new ModelError('HEAD_TYPE_UNKNOWN', `unknown head type ${JSON.stringify(spec.type)}`, {
      hint: `use one of: ${HEAD_TYPES.join(', ')}`,
    });
  }
  for (const field of ['multiLabel', 'standardize'] as const) {
    if (typeof spec[field] !== 'boolean') {
      throw new UsageError(
        'HEAD_SPEC',
        `head spec "${field}" must be true or false, got ${JSON.stringify(spec[field])}`,
      );
    }
  }
  requirePositiveInteger('inputDim', spec.inputDim);
  requirePositiveInteger('numLabels', spec.numLabels);
  if (!spec.multiLabel && spec.numLabels < 2) {
    throw new UsageError(
      'HEAD_SPEC',
      `head spec "numLabels" is ${spec.numLabels}: a single-label head needs at least 2 classes`,
    );
  }
  if (spec.type === 'mlp') {
    requirePositiveInteger('hidden', spec.hidden);
    if (typeof spec.dropout !== 'number' || !(spec.dropout >= 0 && spec.dropout < 1)) {
      throw new UsageError(
        'HEAD_SPEC',
        `head spec "dropout" must be a number in [0, 1), got ${JSON.stringify(spec.dropout)}`,
      );
    }
  }
}

/** A dense head's spec: sparse ones (checked at run time for callers without types) are refused. */
export function assertDenseSpec(spec: HeadSpec): asserts spec is DenseHeadSpec {
  if (spec.input !== undefined)
    throw new UsageError('HEAD_SPEC', 'a head over sparse rows is made with createSparseHead');
}

/** A spec's fields before its kind is checked (from a file, or a caller without types). */
type UncheckedSpec = Omit<DenseHeadSpec, 'input'> & { input?: 'sparse' };

/** A sparse head is linear, never standardised (z-scoring would densify the rows). */
export function assertSparseSpec(spec: UncheckedSpec): asserts spec is SparseHeadSpec {
  if (spec.input !== 'sparse')
    throw new UsageError(
      'HEAD_SPEC',
      `head spec "input" must be "sparse" for a sparse head, got ${JSON.stringify(spec.input)}`,
    );
  if (spec.type !== 'linear')
    throw new UsageError('HEAD_SPEC', `a head over sparse rows is "linear", got ${JSON.stringify(spec.type)}`);
  if (spec.standardize)
    throw new UsageError(
      'HEAD_SPEC',
      'a head over sparse rows cannot standardize its input (it would densify the rows)',
    );
}

function requirePositiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError('HEAD_SPEC', `head spec "${field}" must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
}

/** Shape agrees with `inputDim` and every value is finite; names the first bad row. */
export function assertMatrix(x: Matrix, inputDim: number, name = 'x'): void {
  assertMatrixShape(x, inputDim, name);
  assertFinite(x, name);
}

/** assertMatrix without the scan of every value, for kernels that check the rows as they copy them (dense/kernel-inputs.ts). */
export function assertMatrixShape(x: Matrix, inputDim: number, name = 'x'): void {
  if (!(x.data instanceof Float32Array)) {
    throw new UsageError('HEAD_INPUT', `${name}.data must be a Float32Array`);
  }
  if (!Number.isSafeInteger(x.rows) || x.rows < 0 || !Number.isSafeInteger(x.dim) || x.data.length !== x.rows * x.dim) {
    throw new UsageError('HEAD_INPUT', `${name} claims shape [${x.rows}, ${x.dim}] but holds ${x.data.length} values`);
  }
  if (x.dim !== inputDim) {
    throw new DataError(
      'HEAD_INPUT_DIM',
      `${name} has shape [${x.rows}, ${x.dim}] but the head expects [rows, ${inputDim}]`,
      {
        hint: 'embed with the same encoder the head was created or trained for',
      },
    );
  }
}

/** A DataError names the first value of `x` that is not finite. */
export function assertFinite(x: Matrix, name = 'x'): void {
  const { data, dim } = x;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / dim);
      throw new DataError('HEAD_INPUT_NOT_FINITE', `${name} row ${row}, column ${i - row * dim} is ${data[i]}`, {
        location: { index: row, field: name },
        hint: 'embeddings must be finite numbers',
      });
    }
  }
}

/** Targets match the spec and the number of rows; single-label training sets hold at least 2 classes. */
export function assertTargets(y: Targets, rows: number, spec: HeadSpec): void {
  if (y.kind === 'soft') {
    if (spec.multiLabel)
      throw new UsageError(
        'HEAD_TARGETS',
        'soft targets (distillation) need a single-label head, but the head is multi-label',
      );
    return assertSoftTargets(y, rows, spec.numLabels);
  }
  const expectedKind = spec.multiLabel ? 'multi' : 'single';
  if (y.kind !== expectedKind) {
    throw new UsageError(
      'HEAD_TARGETS',
      `targets are "${y.kind}"-label but the head is ${spec.multiLabel ? 'multi' : 'single'}-label`,
    );
  }
  if (y.kind === 'single') assertSingleTargets(y.labels, rows, spec.numLabels);
  else assertMultiTargets(y.labels, rows, spec.numLabels);
}

function assertSingleTargets(labels: Int32Array, rows: number, numLabels: number): void {
  if (!(labels instanceof Int32Array) || labels.length !== rows) {
    throw new UsageError('HEAD_TARGETS', `x has ${rows} rows but there are ${labels.length} labels`);
  }
  if (rows === 0) throw new DataError('HEAD_NO_ROWS', 'no training rows');
  const seen = new Uint8Array(numLabels);
  let distinct = 0;
  for (let i = 0; i < rows; i++) {
    const label = labels[i]!;
    if (label < 0 || label >= numLabels) {
      throw new DataError('HEAD_LABEL_RANGE', `label ${label} is outside [0, ${numLabels - 1}]`, {
        location: { index: i, field: 'label' },
      });
    }
    if (!seen[label]) {
      seen[label] = 1;
      distinct++;
    }
  }
  if (distinct < 2) {
    throw new DataError(
      'HEAD_SINGLE_CLASS',
      `every training row has label ${labels[0]}: a classifier needs at least 2 classes`,
      {
        hint: 'add examples of another class',
      },
    );
  }
}

function assertMultiTargets(labels: Uint8Array, rows: number, numLabels: number): void {
  if (!(labels instanceof Uint8Array) || labels.length !== rows * numLabels) {
    throw new UsageError(
      'HEAD_TARGETS',
      `multi-label targets must be a [${rows}, ${numLabels}] 0/1 Uint8Array, got ${labels.length} values`,
    );
  }
  if (rows === 0) throw new DataError('HEAD_NO_ROWS', 'no training rows');
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > 1) {
      const row = Math.floor(i / numLabels);
      throw new DataError(
        'HEAD_LABEL_RANGE',
        `multi-label target for label ${i - row * numLabels} is ${labels[i]}, expected 0 or 1`,
        {
          location: { index: row, field: 'labels' },
        },
      );
    }
  }
}

/** How far a soft target row's sum may be from 1 (float32 rounding of a softmax over many labels stays far below). */
const SOFT_SUM_TOLERANCE = 1e-3;

function assertSoftTargets(y: SoftTargets, rows: number, numLabels: number): void {
  const { probabilities, temperature = 1, labels, alpha = 0 } = y;
  if (!(probabilities instanceof Float32Array) || probabilities.length !== rows * numLabels) {
    const got = probabilities instanceof Float32Array ? `${probabilities.length} values` : 'another type';
    throw new UsageError(
      'HEAD_TARGETS',
      `soft targets must be a [${rows}, ${numLabels}] Float32Array of probabilities, got ${got}`,
    );
  }
  if (typeof temperature !== 'number' || !(temperature > 0 && Number.isFinite(temperature))) {
    throw new UsageError(
      'HEAD_TARGETS',
      `soft targets "temperature" must be a finite number > 0, got ${JSON.stringify(temperature)}`,
    );
  }
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) {
    throw new UsageError(
      'HEAD_TARGETS',
      `soft targets "alpha" must be a number in [0, 1], got ${JSON.stringify(alpha)}`,
    );
  }
  if (rows === 0) throw new DataError('HEAD_NO_ROWS', 'no training rows');
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let label = 0; label < numLabels; label++) {
      const p = probabilities[row * numLabels + label]!;
      if (!(p >= 0 && p <= 1)) {
        throw new DataError(
          'HEAD_SOFT_TARGETS',
          `soft target row ${row}, label ${label} is ${p}, not a probability in [0, 1]`,
          {
            location: { index: row, field: 'probabilities' },
          },
        );
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > SOFT_SUM_TOLERANCE) {
      throw new DataError('HEAD_SOFT_TARGETS', `soft target row ${row} sums to ${sum}, not 1`, {
        location: { index: row, field: 'probabilities' },
        hint: 'each row must be a probability distribution over the labels',
      });
    }
  }
  if (labels === undefined) return;
  if (!(labels instanceof Int32Array) || labels.length !== rows) {
    throw new UsageError(
      'HEAD_TARGETS',
      `soft targets have ${rows} rows but their hard "labels" are not an Int32Array of ${rows}`,
    );
  }
  labels.forEach((label, index) => {
    if (label < -1 || label >= numLabels) {
      throw new DataError('HEAD_LABEL_RANGE', `hard label ${label} is outside [0, ${numLabels - 1}] (or -1 for none)`, {
        location: { index, field: 'label' },
      });
    }
  });
}
