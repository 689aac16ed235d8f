/** What a chunk job carries between the `predict --queue` coordinator and `headstart worker`. */
import type { EncoderLoadOptions } from '../encoders/index.js';
import type { RowSettings, Chunk, ModelRef } from '../predict/index.js';

export interface ChunkJobData {
  /** Model directories as the coordinator names them; each worker must see the same files there. */
  models: ModelRef[];
  /** sha256 of the models' manifests on the coordinator: a worker with different files refuses the job. */
  modelsDigest: string;
  loadOptions: EncoderLoadOptions;
  settings: RowSettings;
  chunk: Chunk;
}

export const CHUNK_JOB = 'chunk';
