/**
 * What a static encoder is made of once its files are read: the dequantised table, the tokenizer
 * (with its chunk cache) and its file's bytes. Encoders over files with the same verified sha256
 * (the packaged model, a download) share one parsed copy per process: an `auto` checkpoint holds two
 * encoders over potion (TF-IDF+potion and potion alone), and loading it twice cost ~80 ms CPU of a
 * 1-row `predict` (issue 23: start-up). Held weakly: a model no encoder uses any more is collected.
 *
 * A tokenizer is shared by content (the same bytes): a fine-tuned table keeps its base model's
 * tokenizer.json, so an `auto` checkpoint's tuned encoder and its potion encoders build one tokenizer
 * (~40 ms) between them.
 */
import { ChunkCacheTokenizer } from './chunk-cache-tokenizer.js';
import {
  checkTokenizerFitsTable,
  loadTable,
  parseTokenizer,
  readModelFile,
  readVerified,
  type ParsedTokenizer,
} from './model-files.js';
import type { ExpectedModelHashes } from './packaged-models.js';
import { readSafetensors } from './safetensors.js';
import { fingerprintParts } from '../fingerprint.js';
import type { FileSource } from '../../util/index.js';

export interface StaticModelParts {
  readonly table: Float32Array;
  readonly dim: number;
  readonly tokenizer: ChunkCacheTokenizer;
  readonly tokenizerBytes: Uint8Array;
  readonly unkId: number;
  /** Fingerprints by maxTokens: hashing the table (15 MB for potion) once per setting. */
  readonly fingerprints: Map<number, string>;
}

/** The model's two files in `files`, and whether the table may be read by path (its size checked before reading). */
export interface ModelFileNames {
  table: string;
  tokenizer: string;
  tableByPath: boolean;
}

const shared = new Map<string, WeakRef<StaticModelParts>>();
/** Tokenizers in use, each with the bytes it was parsed from and what parsing found about its vocabulary. */
const sharedTokenizers = new Set<WeakRef<ChunkCacheTokenizer>>();
const parsedFrom = new WeakMap<ChunkCacheTokenizer, { bytes: Uint8Array; parsed: ParsedTokenizer }>();

/**
 * Reads the model's files. With their expected hashes, both files are read and checked at every
 * load (a file damaged since the last load is still refused), but parsed only once per process.
 */
export async function loadModelParts(
  files: FileSource,
  names: ModelFileNames,
  expected: ExpectedModelHashes | undefined,
): Promise<StaticModelParts> {
  if (!expected) {
    const table = names.tableByPath ? files.pathOf(names.table) : await readModelFile(files, names.table);
    return parseModelParts(files, names, table, await readModelFile(files, names.tokenizer));
  }
  const table = await readVerified(files, names.table, expected.table, expected);
  const tokenizer = await readVerified(files, names.tokenizer, expected.tokenizer, expected);
  const key = `${expected.table}:${expected.tokenizer}`;
  const loaded = shared.get(key)?.deref();
  if (loaded) return loaded;
  const parts = await parseModelParts(files, names, table, tokenizer);
  for (const [maxTokens, fingerprint] of Object.entries(expected.fingerprints ?? {}))
    parts.fingerprints.set(Number(maxTokens), fingerprint);
  shared.set(key, new WeakRef(parts));
  return parts;
}

async function parseModelParts(
  files: FileSource,
  names: ModelFileNames,
  tableSource: string | Uint8Array,
  tokenizerBytes: Uint8Array,
): Promise<StaticModelParts> {
  const modelFile = files.pathOf(names.table);
  const { table, rows, dim } = loadTable(await readSafetensors(tableSource, { name: modelFile }), modelFile);
  const tokenizerFile = files.pathOf(names.tokenizer);
  const tokenizer = sharedTokenizer(tokenizerBytes, tokenizerFile);
  const { parsed } = parsedFrom.get(tokenizer)!;
  checkTokenizerFitsTable(parsed, tokenizerFile, rows);
  return { table, dim, tokenizer, tokenizerBytes, unkId: parsed.unkId, fingerprints: new Map() };
}

/** The tokenizer of these bytes: parsed now, or shared with a load of the same bytes that is still in use. */
function sharedTokenizer(bytes: Uint8Array, fileName: string): ChunkCacheTokenizer {
  // Compared byte for byte (~0.1 ms for potion's 680 KB; a sha256 as the key cost ~0.7 ms).
  for (const ref of sharedTokenizers) {
    const loaded = ref.deref();
    if (!loaded) sharedTokenizers.delete(ref);
    else if (Buffer.compare(parsedFrom.get(loaded)!.bytes, bytes) === 0) return loaded;
  }
  const parsed = parseTokenizer(bytes, fileName);
  const tokenizer = new ChunkCacheTokenizer(parsed.tokenizer);
  parsedFrom.set(tokenizer, { bytes, parsed });
  sharedTokenizers.add(new WeakRef(tokenizer));
  return tokenizer;
}

/** The parts of `base` over another table (a fine-tuned one), never shared with another load. */
export function partsWithTable(base: StaticModelParts, table: Float32Array): StaticModelParts {
  return { ...base, table, fingerprints: new Map() };
}

export function fingerprintOf(parts: StaticModelParts, maxTokens: number): string {
  let fingerprint = parts.fingerprints.get(maxTokens);
  if (fingerprint === undefined) {
    const { table, dim, tokenizerBytes } = parts;
    fingerprint = fingerprintParts([
      'static-v1',
      `${table.length / dim}x${dim}`,
      new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
      tokenizerBytes,
      `maxTokens=${maxTokens}`,
    ]);
    parts.fingerprints.set(maxTokens, fingerprint);
  }
  return fingerprint;
}
