/** The safetensors writer for the tables fine-tuning saves: float tensors only (safetensors.ts reads them). */
import { numberToFloat16 } from './float16.js';
import { DTYPE_BYTES } from './safetensors.js';

export interface TensorToWrite {
  dtype: 'F32' | 'F16';
  shape: number[];
  values: Float32Array;
}

/**
 * Serialises float tensors as a safetensors file (F32, or F16 rounded to nearest even). The header
 * is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 */
export function serializeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const elements = tensor.shape.reduce((product, d) => product * d, 1);
    if (elements !== tensor.values.length)
      throw new RangeError(
        `tensor ${name} has ${tensor.values.length} values for shape ${JSON.stringify(tensor.shape)}`,
      );
    const bytes = elements * DTYPE_BYTES[tensor.dtype];
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const tensor of Object.values(tensors)) {
    const { values } = tensor;
    if (tensor.dtype === 'F32') {
      for (let i = 0; i < values.length; i++, position += 4) view.setFloat32(position, values[i]!, true);
    } else {
      for (let i = 0; i < values.length; i++, position += 2)
        view.setUint16(position, numberToFloat16(values[i]!), true);
    }
  }
  return out;
}
