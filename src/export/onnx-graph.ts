/**
 * The ONNX graph of an export plan: token ids and mask in, probabilities out, in standard
 * operators only (opset 17), step for step what StaticEncoder.embed, the heads and
 * TextClassifier.predictProba compute.
 */
import { float16ToNumber, numberToFloat16 } from '../encoders/index.js';
import { GraphBuilder, type OnnxProtoModule, type TensorData } from './graph-builder.js';
import type { ExportMember, ExportPlan, ExportTable } from './plan.js';

export const OPSET = 17;
export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const OUTPUT = 'probabilities';
/** TextClassifier's temperature scaling floors probabilities here before taking logs (src/calibration/temperature.ts). */
const TEMPERATURE_FLOOR = 1e-12;
/** Smallest normal float32: keeps the norm of an all-padding row from being 0 (its sum is 0, so its vector stays 0). */
const NORM_FLOOR = 1.1754943508222875e-38;

export function buildOnnxGraph(proto: OnnxProtoModule, plan: ExportPlan, docString: string): Uint8Array {
  const g = new GraphBuilder('headstart');
  const labels = plan.labels.length;
  g.input(INPUT_IDS, 'int64', ['batch', 'sequence']);
  g.input(ATTENTION_MASK, 'int64', ['batch', 'sequence']);
  g.output(OUTPUT, 'float32', ['batch', labels]);
  const axes = (name: string, values: number[]) =>
    g.initializer(g.fresh(name), BigInt64Array.from(values, BigInt), [values.length]);
  const scalar = (name: string, value: number) => g.initializer(g.fresh(name), Float32Array.of(value), []);
  const vector = (name: string, values: ArrayLike<number>) =>
    g.initializer(g.fresh(name), Float32Array.from(values), [values.length]);

  const axisOne = axes('axis_1', [1]);
  const mask = g.op('Unsqueeze', [g.op('Cast', [ATTENTION_MASK], { to: 1 }), axes('axis_2', [2])]);
  const vectors = plan.tables.map((table) => {
    // Model2Vec embeds the L2-normalised sum of the table rows of the ids (the mean's 1/n cancels).
    const stored = storedTable(table);
    let rows = g.op('Gather', [g.initializer(g.fresh('embeddings'), stored, [table.rows, table.dim]), INPUT_IDS], {
      axis: 0,
    });
    if (!(stored instanceof Float32Array)) rows = g.op('Cast', [rows], { to: 1 });
    const sum = g.op('ReduceSum', [g.op('Mul', [rows, mask]), axisOne], { keepdims: 0 });
    const squares = g.op('ReduceSum', [g.op('Mul', [sum, sum]), axisOne], { keepdims: 1 });
    return g.op('Div', [sum, g.op('Sqrt', [g.op('Max', [squares, scalar('norm_floor', NORM_FLOOR)])])]);
  });

  const memberProbabilities = (member: ExportMember): string => {
    // planExport numbers the tables a member reads from those it plans.
    let x = vectors[member.table]!;
    if (member.standardization)
      x = g.op('Div', [
        g.op('Sub', [x, vector('mean', member.standardization.mean)]),
        vector('std', member.standardization.std),
      ]);
    member.layers.forEach((layer, index) => {
      if (index > 0) x = g.op('Relu', [x]);
      x = g.op('Add', [
        g.op('MatMul', [x, g.initializer(g.fresh('kernel'), layer.kernel, [layer.inputs, layer.units])]),
        vector('bias', layer.bias),
      ]);
    });
    return plan.multiLabel ? g.op('Sigmoid', [x]) : g.op('Softmax', [x], { axis: -1 });
  };
  const parts = plan.members.map((member) => ({ member, probabilities: memberProbabilities(member) }));
  const [only] = parts;
  let probabilities =
    parts.length === 1 && only
      ? only.probabilities
      : parts
          .map((part) => g.op('Mul', [part.probabilities, scalar('weight', part.member.weight)]))
          .reduce((sum, part) => g.op('Add', [sum, part]));
  if (plan.prior) {
    const corrected = g.op('Mul', [
      probabilities,
      vector(
        'prior_factors',
        plan.prior.priors.map((p) => Math.pow(p, -plan.prior!.alpha)),
      ),
    ]);
    probabilities = g.op('Div', [corrected, g.op('ReduceSum', [corrected, axisOne], { keepdims: 1 })]);
  }
  if (plan.temperature !== 1) {
    // softmax(log p / T) is p^(1/T) renormalised, as applyTemperature computes it.
    const logs = g.op('Log', [g.op('Max', [probabilities, scalar('floor', TEMPERATURE_FLOOR)])]);
    probabilities = g.op('Softmax', [g.op('Mul', [logs, scalar('inverse_temperature', 1 / plan.temperature)])], {
      axis: -1,
    });
  }
  g.op('Identity', [probabilities], {}, OUTPUT);
  return g.encode(proto, OPSET, 'headstart', docString);
}

/**
 * The table in the smallest type that holds every value exactly: int8 (the potion models' own
 * storage), float16 (fine-tuned tables are stored rounded to it) or float32. The graph casts the
 * gathered rows to float32, so what it computes is unchanged and the file is 4x or 2x smaller.
 */
function storedTable({ table }: ExportTable): TensorData {
  if (table.every((v) => Number.isInteger(v) && v >= -128 && v <= 127)) return Int8Array.from(table);
  const halves = Uint16Array.from(table, numberToFloat16);
  if (halves.every((bits, i) => float16ToNumber(bits) === table[i])) return { float16: halves };
  return table;
}
