/**
 * A small helper for writing ONNX graphs by hand: nodes, initializers and typed inputs/outputs with
 * generated unique value names, encoded by onnx-proto (an optional package, passed in by the caller
 * so that nothing here imports it).
 */

/** The part of onnx-proto's module that encoding uses. */
export interface OnnxProtoModule {
  onnx: { ModelProto: { create(model: object): unknown; encode(model: unknown): { finish(): Uint8Array } } };
}

/** onnx.TensorProto.DataType and onnx.AttributeProto.AttributeType values (fixed by the ONNX spec). */
const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7, FLOAT16: 10 } as const;
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** Integers, integer lists, strings, or `{ float }` for a float attribute. */
export type AttrValue = number | number[] | string | { float: number };
export type Dim = number | string;
/** `{ float16 }`: IEEE half-precision bit patterns. */
export type TensorData = Float32Array | Int8Array | Uint8Array | BigInt64Array | { float16: Uint16Array };

interface Node {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: object[];
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  /** A value name no other node uses. */
  fresh(hint: string): string {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  input(name: string, elemType: 'int64' | 'float32', dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: 'int64' | 'float32', dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  initializer(name: string, data: TensorData, dims: number[]): string {
    const values = 'float16' in data ? data.float16 : data;
    this.initializers.push({
      name,
      dims,
      dataType: dataTypeOf(data),
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  /** Adds one node; returns its output names (fresh ones unless `outputs` names them). */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttrValue> = {},
    outputs: number | string[] = 1,
  ): string[] {
    const outputNames =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : outputs;
    this.nodes.push({
      opType,
      name: this.fresh(`${opType}_node`),
      input: inputs,
      output: outputNames,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputNames;
  }

  /** Shorthand for a node with one output. */
  op(opType: string, inputs: string[], attributes: Record<string, AttrValue> = {}, outputName?: string): string {
    const output = outputName || this.fresh(opType);
    this.node(opType, inputs, attributes, [output]);
    return output;
  }

  encode(proto: OnnxProtoModule, opsetVersion: number, producer: string, docString = ''): Uint8Array {
    const { ModelProto } = proto.onnx;
    const model = ModelProto.create({
      irVersion: 8,
      producerName: producer,
      ...(docString && { docString }),
      opsetImport: [{ domain: '', version: opsetVersion }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return ModelProto.encode(model).finish();
  }
}

function dataTypeOf(data: TensorData): number {
  if ('float16' in data) return DataType.FLOAT16;
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Uint8Array) return DataType.UINT8;
  return DataType.INT64;
}

function valueInfo(name: string, elemType: 'int64' | 'float32', dims: Dim[]): object {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemType === 'int64' ? DataType.INT64 : DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): object {
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttrType.INT, i: value };
  return { name, type: AttrType.FLOAT, f: value.float };
}
