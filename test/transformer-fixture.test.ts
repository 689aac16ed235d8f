import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { readBertUncasedWords } from './fixtures/bert-tokenizer.js';
import { TINY_BERT_DIR, tinyBertSpec, wordSourcePath, writeBertFixture } from './fixtures/generate-bert.js';
import { tempDir } from './helpers.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(path.join(dir, name)).isFile(),
  );
}

function opTypes(onnxPath: string): Set<string> {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(onnxPath));
  return new Set((model.graph?.node ?? []).map((node) => node.opType ?? ''));
}

describe('tiny-bert fixture', () => {
  it('is small and in the transformers.js layout', () => {
    const files = filesUnder(TINY_BERT_DIR);
    for (const name of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model.onnx',
      'onnx/model_quantized.onnx',
    ]) {
      expect(files).toContain(name);
    }
    const bytes = files.reduce((sum, name) => sum + statSync(path.join(TINY_BERT_DIR, name)).size, 0);
    expect(bytes).toBeLessThan(700 * 1024);
    const config = JSON.parse(readFileSync(path.join(TINY_BERT_DIR, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      model_type: 'bert',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      max_position_embeddings: 128,
    });
  });

  it('has a q8 variant built as onnxruntime dynamic quantization builds it', () => {
    const fp32 = opTypes(path.join(TINY_BERT_DIR, 'onnx/model.onnx'));
    const q8 = opTypes(path.join(TINY_BERT_DIR, 'onnx/model_quantized.onnx'));
    expect([...fp32]).toEqual(expect.arrayContaining(['Gather', 'MatMul', 'Softmax', 'Erf', 'LayerNormalization']));
    expect(fp32.has('MatMulInteger')).toBe(false);
    expect([...q8]).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger', 'DequantizeLinear']));
  });

  it.runIf(existsSync(wordSourcePath()))('is what the generator writes (regenerating gives the same bytes)', () => {
    const dir = tempDir();
    const written = writeBertFixture(dir, tinyBertSpec(readBertUncasedWords(wordSourcePath())));
    for (const name of written) {
      expect(readFileSync(path.join(dir, name)).equals(readFileSync(path.join(TINY_BERT_DIR, name))), name).toBe(true);
    }
  });
});
