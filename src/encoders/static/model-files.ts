/** Reading a Model2Vec model's files: the embedding table (and its scale), the tokenizer, checked as they load. */
import { createHash } from 'node:crypto';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../../errors.js';
import type { FileSource } from '../../util/index.js';
import type { ExpectedModelHashes } from './packaged-models.js';
import { tensorToFloat32, type SafetensorsFile } from './safetensors.js';
import { kernelTable } from './sum-rows.js';

export const TABLE_TENSOR = 'embeddings';
const SCALE_TENSOR = 'scales';

export function loadTable(file: SafetensorsFile, fileName: string): { table: Float32Array; rows: number; dim: number } {
  const names = [...file.tensors.keys()];
  const candidates = names.filter((name) => name !== SCALE_TENSOR);
  const tableName = file.tensors.has(TABLE_TENSOR) ? TABLE_TENSOR : candidates.length === 1 ? candidates[0] : undefined;
  if (tableName === undefined) {
    throw new ModelError(
      'STATIC_TABLE_MISSING',
      `no "${TABLE_TENSOR}" tensor and not exactly one tensor to use instead (tensors: ${names.join(', ') || 'none'})`,
      {
        location: { file: fileName },
      },
    );
  }
  const unsupported = names.filter((name) => name !== tableName && name !== SCALE_TENSOR);
  if (unsupported.length > 0) {
    throw new ModelError(
      'STATIC_TENSORS_UNSUPPORTED',
      `tensor(s) ${unsupported.join(', ')} are not supported: this loader reads a plain Model2Vec table ("${TABLE_TENSOR}", optionally "${SCALE_TENSOR}"), not weighted or vocabulary-quantised models`,
      { location: { file: fileName } },
    );
  }
  const tensor = file.tensors.get(tableName)!;
  const [rows, dim] = tensor.shape;
  if (rows === undefined || dim === undefined || tensor.shape.length !== 2 || rows === 0 || dim === 0) {
    throw new ModelError(
      'STATIC_TABLE_SHAPE',
      `expected a non-empty [vocabulary, dim] table, got shape ${JSON.stringify(tensor.shape)}`,
      {
        location: { file: fileName, field: tableName },
      },
    );
  }
  // Dequantised straight into the embedding kernel's memory, so the table is never held twice.
  const table = tensorToFloat32(tensor, fileName, readScale(file, fileName), kernelTable(rows * dim, dim));
  return { table, rows, dim };
}

/**
 * The int8 potion models ship without their quantisation scale, which is harmless because every
 * output is L2-normalised; a scale that is present (a `scales` tensor, or a global `scale` in the
 * header metadata) is applied anyway so the table holds the real values.
 */
function readScale(file: SafetensorsFile, fileName: string): number | Float32Array | undefined {
  const tensor = file.tensors.get(SCALE_TENSOR);
  if (tensor) {
    const values = tensorToFloat32(tensor, fileName);
    return values.length === 1 ? values[0] : values;
  }
  const raw = file.metadata.scale;
  if (raw === undefined) return undefined;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || raw.trim() === '') {
    throw new ModelError('STATIC_SCALE_INVALID', `scale ${JSON.stringify(raw)} is not a finite number`, {
      location: { file: fileName, field: '__metadata__.scale' },
    });
  }
  return scale;
}

/** A parsed tokenizer.json: the tokenizer, the id `tokenize` drops, and its vocabulary's size and largest id. */
export interface ParsedTokenizer {
  tokenizer: Tokenizer;
  unkId: number;
  vocabularySize: number;
  largestId: number;
}

export function parseTokenizer(bytes: Uint8Array, fileName: string): ParsedTokenizer {
  let json: { model?: { unk_token?: unknown } };
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new ModelError('TOKENIZER_INVALID', `not valid JSON: ${(cause as Error).message}`, {
      location: { file: fileName },
      cause,
    });
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, {});
  } catch (cause) {
    throw new ModelError('TOKENIZER_INVALID', `cannot build the tokenizer: ${(cause as Error).message}`, {
      location: { file: fileName },
      cause,
    });
  }
  const unkToken = json.model?.unk_token;
  const unkId = typeof unkToken === 'string' ? (tokenizer.token_to_id(unkToken) ?? -1) : -1;
  return { tokenizer, unkId, ...vocabularyOf(tokenizer) };
}

/**
 * The size and largest id of `tokenizer.get_vocab(true)` without the copy of the vocabulary it builds
 * (~6 ms of a potion load). That map has one entry per distinct token of the model's id-to-token
 * array, plus one (`undefined`) when an id has no token; its largest id is the array's last index.
 * A token counts where the token-to-id map points to it; test/tokenizer-vocabulary.test.ts holds the
 * two counts equal on odd vocabularies.
 */
function vocabularyOf({ model }: Tokenizer): Pick<ParsedTokenizer, 'vocabularySize' | 'largestId'> {
  const tokens = model?.vocab ?? [];
  let distinct = 0;
  let idWithoutToken = false;
  for (let id = 0; id < tokens.length; id++) {
    const token = tokens[id];
    if (token === undefined) idWithoutToken = true;
    else if (model!.tokens_to_ids.get(token) === id) distinct++;
  }
  return { vocabularySize: distinct + (idWithoutToken ? 1 : 0), largestId: tokens.length - 1 };
}

/** Refuses a tokenizer whose ids are not exactly the rows of the table. */
export function checkTokenizerFitsTable(
  { vocabularySize, largestId }: Pick<ParsedTokenizer, 'vocabularySize' | 'largestId'>,
  fileName: string,
  rows: number,
): void {
  if (vocabularySize !== rows || largestId !== rows - 1) {
    throw new ModelError(
      'TOKENIZER_TABLE_MISMATCH',
      `vocabulary has ${vocabularySize} tokens (largest id ${largestId}) but the embedding table has ${rows} rows`,
      { location: { file: fileName }, hint: 'model.safetensors and tokenizer.json must come from the same model' },
    );
  }
}

export async function readVerified(
  files: FileSource,
  name: string,
  sha256: string,
  {
    recordedAs = "the packaged model's",
    hint = PACKAGED_MODEL_DAMAGED,
  }: Omit<ExpectedModelHashes, 'table' | 'tokenizer'>,
): Promise<Uint8Array> {
  const bytes = await readModelFile(files, name);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== sha256) {
    throw new ModelError('MODEL_HASH_MISMATCH', `sha256 ${digest} does not match ${sha256}, ${recordedAs}`, {
      location: { file: files.pathOf(name) },
      hint,
    });
  }
  return bytes;
}

const PACKAGED_MODEL_DAMAGED = 'the copy of the model installed with headstart is damaged: reinstall headstart';

export async function readModelFile(files: FileSource, name: string): Promise<Uint8Array> {
  try {
    return await files.read(name);
  } catch (cause) {
    throw new ModelError('MODEL_FILE_UNREADABLE', `cannot read model file: ${(cause as Error).message}`, {
      location: { file: files.pathOf(name) },
      cause,
    });
  }
}
