/**
 * Transformer sentence encoder (BERT-style ONNX models in the transformers.js layout) on
 * onnxruntime-node through @huggingface/transformers' AutoTokenizer and AutoModel.
 *
 * Unlike the feature-extraction pipeline, which pads a whole call to its longest text, texts are
 * tokenized once, sorted by length and run in batches padded only to their own longest text
 * (see batching.ts); vectors come back in input order.
 *
 * Per-text facts (TextInfo): `tokens` counts what the model saw, special tokens included;
 * `truncated` marks texts cut to `maxTokens` (the special tokens are kept, as Hugging Face
 * tokenizers do); `empty` marks texts with no token of their own (empty or whitespace-only):
 * those are not run through the model and get an all-zero vector, like in every other encoder.
 */
import path from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { DataError, ModelError, UsageError } from '../../errors.js';
import { importOptional } from '../../util/index.js';
import { planBatches, type BatchPlanOptions } from '../batching.js';
import type { EmbedOptions, EmbedResult, Encoder, Matrix, TextInfo } from '../encoder.js';
import { assertFinite, clsPool, l2NormalizeRows, meanPool, type TokenStates } from '../pooling.js';
import { locateModelDir } from './hub-model.js';
import { fingerprintOf, locateModelFiles, type TransformerModelFiles } from './transformer-files.js';
import { transformerSettings, type TransformerEncoderOptions, type TransformerSpec } from './transformer-options.js';
import {
  contentRoom,
  detectSpecialTokenLayout,
  tokenizeTexts,
  type SpecialTokenLayout,
  type TokenizedText,
} from './transformer-tokens.js';

/** Token states of each text, unpadded: `rows` = the text's tokens (so no mask is needed). */
export type { TransformerEncoderOptions, TransformerSpec };

export interface TokenStatesResult {
  states: Matrix[];
  info: TextInfo[];
}

const MAX_EMBEDDINGS_PER_CALL = 2048;

/** Loads a transformer encoder: `TransformerEncoder.load`. */
export function loadTransformerEncoder(options: TransformerEncoderOptions): Promise<TransformerEncoder> {
  return TransformerEncoder.load(options);
}

type TensorClass = typeof Tensor;

export class TransformerEncoder implements Encoder {
  readonly maxEmbeddingsPerCall = MAX_EMBEDDINGS_PER_CALL;
  private disposed = false;

  // Private, so that the published .d.ts does not name transformers.js types (an optional package).
  private constructor(
    readonly spec: TransformerSpec,
    readonly dim: number,
    readonly fingerprint: string,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    private readonly Tensor: TensorClass,
    private readonly layout: SpecialTokenLayout,
    private readonly batchPlan: BatchPlanOptions,
    private readonly files: TransformerModelFiles,
  ) {}

  static async load(options: TransformerEncoderOptions): Promise<TransformerEncoder> {
    const { AutoModel, AutoTokenizer, env, Tensor } = await importOptional<typeof import('@huggingface/transformers')>(
      '@huggingface/transformers',
      'a transformer encoder',
    );
    // transformers.js only reads the directory resolved here (downloads, when allowed, are headstart's: hub-model.ts).
    env.allowRemoteModels = false;
    env.allowLocalModels = true;

    const dtype = options.dtype ?? 'fp32';
    const dir = await locateModelDir(options.model, {
      modelsDir: options.modelsDir,
      confined: options.confined,
      allowDownload: options.allowDownload,
      kind: 'transformer',
      dtype,
    });
    const files = locateModelFiles(dir, dtype);
    const { spec, batchPlan, threads } = transformerSettings(options, dtype, files.tokenLimit);

    const tokenizer = await loadPart(files.tokenizerPath, 'tokenizer', () =>
      AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
    );
    const model = await loadPart(files.onnxPath, 'model', () =>
      AutoModel.from_pretrained(dir, {
        local_files_only: true,
        dtype,
        device: 'cpu',
        session_options: threads,
      }),
    );
    try {
      const layout = detectSpecialTokenLayout(tokenizer);
      contentRoom(spec.maxTokens, layout);
      const fingerprint = await fingerprintOf(files, spec);
      return new TransformerEncoder(
        spec,
        files.hiddenSize,
        fingerprint,
        tokenizer,
        model,
        Tensor,
        layout,
        batchPlan,
        files,
      );
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  get maxTokens(): number {
    return this.spec.maxTokens;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    if (this.spec.pooling === 'none') {
      throw new UsageError(
        'POOLING_NONE',
        'this encoder has pooling "none": it has token states, not one vector per text',
        {
          hint: 'call embedTokens() for the token states, or choose pooling mean or cls',
        },
      );
    }
    const pool = this.spec.pooling === 'cls' ? clsPool : meanPool;
    const data = new Float32Array(texts.length * this.dim);
    const allMasked: number[] = [];
    const info = await this.runBatches(texts, options.signal, (indices, states, mask) => {
      const pooled = pool(states, mask);
      if (this.spec.normalize) l2NormalizeRows(pooled);
      indices.forEach((index, row) => {
        const vector = pooled.data.subarray(row * this.dim, (row + 1) * this.dim);
        assertFinite(vector, index);
        data.set(vector, index * this.dim);
        if (pooled.allMasked[row]) allMasked.push(index);
      });
    });
    for (const index of allMasked) info[index]!.empty = true;
    return { data, rows: texts.length, dim: this.dim, info };
  }

  /** The last hidden state of every token of every text (any pooling setting). */
  async embedTokens(texts: readonly string[], options: EmbedOptions = {}): Promise<TokenStatesResult> {
    const states: Matrix[] = texts.map(() => ({ data: new Float32Array(0), rows: 0, dim: this.dim }));
    const info = await this.runBatches(texts, options.signal, (indices, batch, mask) => {
      indices.forEach((index, row) => {
        let length = 0;
        while (length < batch.seq && mask[row * batch.seq + length] !== 0) length++;
        const start = row * batch.seq * this.dim;
        const data = batch.data.slice(start, start + length * this.dim);
        assertFinite(data, index);
        states[index] = { data, rows: length, dim: this.dim };
      });
    });
    return { states, info };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
  }

  /**
   * Tokenizes all texts once, runs the non-empty ones in length-sorted batches and hands each
   * batch's states to `onBatch` with the input indices of its rows. Returns per-text info.
   */
  private async runBatches(
    texts: readonly string[],
    signal: AbortSignal | undefined,
    onBatch: (indices: number[], states: TokenStates, mask: Uint8Array) => void,
  ): Promise<TextInfo[]> {
    if (this.disposed) throw new UsageError('ENCODER_DISPOSED', 'this encoder has been disposed');
    texts.forEach((text, index) => {
      if (typeof text !== 'string')
        throw new DataError('TEXT_NOT_STRING', `expected a string, got ${typeof text}`, { location: { index } });
    });
    signal?.throwIfAborted();
    const tokenized = tokenizeTexts(this.tokenizer, texts, this.spec.maxTokens, this.layout);
    const info: TextInfo[] = tokenized.map((t) => ({
      tokens: t.contentTokens > 0 ? t.ids.length : 0,
      truncated: t.truncated,
      empty: t.contentTokens === 0,
    }));
    const nonEmpty = tokenized.flatMap((t, index) => (t.contentTokens > 0 ? [index] : []));
    const batches = planBatches(
      nonEmpty.map((index) => tokenized[index]!.ids.length),
      this.batchPlan,
    );
    for (const batch of batches) {
      signal?.throwIfAborted();
      const indices = batch.map((position) => nonEmpty[position]!);
      const { states, mask } = await this.forward(indices.map((index) => tokenized[index]!));
      onBatch(indices, states, mask);
    }
    return info;
  }

  /** Runs one batch padded to its longest text; returns the hidden states and the mask. */
  private async forward(batch: TokenizedText[]): Promise<{ states: TokenStates; mask: Uint8Array }> {
    const seq = Math.max(...batch.map((t) => t.ids.length));
    const size = batch.length * seq;
    const ids = new BigInt64Array(size).fill(BigInt(this.tokenizer.pad_token_id ?? 0));
    const typeIds = new BigInt64Array(size);
    const mask = new Uint8Array(size);
    batch.forEach((text, row) => {
      for (let t = 0; t < text.ids.length; t++) {
        ids[row * seq + t] = BigInt(text.ids[t]!);
        typeIds[row * seq + t] = BigInt(text.typeIds[t]!);
        mask[row * seq + t] = 1;
      }
    });
    const dims = [batch.length, seq];
    const inputs = {
      input_ids: new this.Tensor('int64', ids, dims),
      attention_mask: new this.Tensor(
        'int64',
        BigInt64Array.from(mask, (m) => BigInt(m)),
        dims,
      ),
      token_type_ids: new this.Tensor('int64', typeIds, dims),
    };
    let outputs: Record<string, Tensor> | undefined;
    try {
      outputs = (await this.model(inputs)) as Record<string, Tensor>;
      const hidden = outputs.last_hidden_state;
      if (!hidden || hidden.dims.length !== 3 || hidden.dims[2] !== this.dim) {
        throw new ModelError(
          'MODEL_OUTPUT',
          `expected output last_hidden_state [batch, seq, ${this.dim}], got ${describeOutputs(outputs)}`,
          {
            location: { file: path.relative(process.cwd(), this.files.onnxPath) },
          },
        );
      }
      // The data array stays valid after dispose(), which only drops the tensor's reference to it.
      return { states: { data: hidden.data as Float32Array, batch: batch.length, seq, dim: this.dim }, mask };
    } finally {
      for (const tensor of Object.values(inputs)) tensor.dispose();
      for (const tensor of Object.values(outputs ?? {})) tensor.dispose();
    }
  }
}

async function loadPart<T>(file: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw new ModelError('MODEL_LOAD_FAILED', `cannot load the ${what}: ${(cause as Error).message}`, {
      location: { file },
      cause,
    });
  }
}

function describeOutputs(outputs: Record<string, Tensor>): string {
  return Object.entries(outputs)
    .map(([name, tensor]) => `${name} [${tensor.dims.join(', ')}]`)
    .join(', ');
}
