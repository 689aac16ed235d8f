/**
 * Runs an exported graph the way a user without headstart would: @huggingface/tokenizers on the
 * exported tokenizer.json, tokenising as headstart-onnx.json says, and onnxruntime-node.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import type { OnnxSidecar } from '../src/export/index.js';

export interface ExportedModel {
  sidecar: OnnxSidecar;
  tokenizer: Tokenizer;
  session: ort.InferenceSession;
}

export async function openExport(
  modelFile: string,
  sessionOptions: ort.InferenceSession.SessionOptions = {},
): Promise<ExportedModel> {
  const dir = path.dirname(modelFile);
  const sidecar = JSON.parse(readFileSync(path.join(dir, 'headstart-onnx.json'), 'utf8')) as OnnxSidecar;
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(path.join(dir, sidecar.tokenizer.file), 'utf8')), {});
  return { sidecar, tokenizer, session: await ort.InferenceSession.create(modelFile, sessionOptions) };
}

/** The ids the graph reads for `text`, following the sidecar's recipe. */
export function tokenIds({ sidecar, tokenizer }: ExportedModel, text: string): number[] {
  const { maxChars, cutSearchChars, dropIds, maxTokens } = sidecar.tokenizer;
  let cut = text;
  if (text.length > maxChars) {
    let end = -1;
    for (let i = maxChars; i > maxChars - cutSearchChars && i > 0; i--) {
      if (/\s/.test(text[i])) {
        end = i;
        break;
      }
    }
    if (end < 0) end = /[\uD800-\uDBFF]/.test(text[maxChars - 1]) ? maxChars - 1 : maxChars;
    cut = text.slice(0, end);
  }
  const ids = tokenizer.encode(cut, { add_special_tokens: false }).ids.filter((id: number) => !dropIds.includes(id));
  return ids.slice(0, maxTokens);
}

/** `[texts, labels]` probabilities, the texts padded into one batch. */
export async function runExport(model: ExportedModel, texts: readonly string[]): Promise<Float32Array> {
  const rows = texts.map((text) => tokenIds(model, text));
  const length = Math.max(1, ...rows.map((ids) => ids.length));
  const ids = new BigInt64Array(rows.length * length).fill(BigInt(model.sidecar.tokenizer.padId));
  const mask = new BigInt64Array(rows.length * length);
  rows.forEach((row, i) =>
    row.forEach((id, j) => {
      ids[i * length + j] = BigInt(id);
      mask[i * length + j] = 1n;
    }),
  );
  const { inputs, output } = model.sidecar;
  const feeds = {
    [inputs.ids]: new ort.Tensor('int64', ids, [rows.length, length]),
    [inputs.mask]: new ort.Tensor('int64', mask, [rows.length, length]),
  };
  return (await model.session.run(feeds))[output].data as Float32Array;
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

export function argmaxRows(data: Float32Array, labels: number): number[] {
  const out: number[] = [];
  for (let row = 0; row < data.length / labels; row++) {
    let best = 0;
    for (let j = 1; j < labels; j++) if (data[row * labels + j] > data[row * labels + best]) best = j;
    out.push(best);
  }
  return out;
}
