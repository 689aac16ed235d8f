/**
 * A sparse head on disk: `head.json` (as for every head, with `spec.input` "sparse") and
 * `weights.bin`, the `[inputDim + 1, numLabels]` float32 parameters (weights, then biases),
 * little-endian. There is no TF.js model: the head is plain arrays.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { asFileSource, type FileSource } from '../../util/index.js';
import { HEAD_FILE, readBytes, WEIGHTS_FILE, writeHeadState, type HeadState } from '../head-file.js';

export async function writeSparseHead(dir: string, state: HeadState, parameters: Float32Array): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, WEIGHTS_FILE),
    new Uint8Array(parameters.buffer, parameters.byteOffset, parameters.byteLength),
  );
  await writeHeadState(dir, state);
  return [HEAD_FILE, WEIGHTS_FILE];
}

/** The parameters of the sparse head whose `head.json` in `from` holds `state`. */
export async function readSparseParameters(from: string | FileSource, state: HeadState): Promise<Float32Array> {
  const files = asFileSource(from);
  const file = files.pathOf(WEIGHTS_FILE);
  const bytes = await readBytes(files, WEIGHTS_FILE);
  const expected = (state.spec.inputDim + 1) * state.spec.numLabels * Float32Array.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== expected) {
    throw new ModelError(
      'HEAD_WEIGHTS_SIZE',
      `${bytes.byteLength} bytes, but a sparse head of ${state.spec.inputDim} inputs and ${state.spec.numLabels} labels has ${expected}`,
      {
        location: { file },
        hint: 'the file is truncated or belongs to another model; save the head again',
      },
    );
  }
  const parameters = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const bad = parameters.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new ModelError('HEAD_MODEL_INVALID', `parameter ${bad} is ${parameters[bad]}`, { location: { file } });
  return parameters;
}
