/**
 * Models that ship inside the headstart package (`models/<name>/` at the package root), with the
 * sha256 of each file they load. The hashes live in the code, not beside the files, so a corrupted
 * or swapped copy is refused at load.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackagedModelHashes {
  /** sha256 of `model.safetensors`. */
  table: string;
  /** sha256 of `tokenizer.json`. */
  tokenizer: string;
  /**
   * The encoder's fingerprint over these files by maxTokens (static.ts computes it over the 15 MB
   * dequantised table): recorded, as in every checkpoint trained on the model, so that loading the
   * verified files need not hash the table again (~15 ms of a 1-row predict's start-up).
   * test/static-shared-model.test.ts computes it afresh.
   */
  fingerprints?: Readonly<Record<number, string>>;
}

/** The hashes a loaded model's files must have, and what to say when one differs. */
export interface ExpectedModelHashes extends PackagedModelHashes {
  /** Whose hashes they are, ending the mismatch message: "the packaged model's" (the default). */
  recordedAs?: string;
  /** What to do about a mismatch (default: reinstall headstart, for the packaged model). */
  hint?: string;
}

/** This module sits in src/encoders (tsx) or dist/encoders (built), two levels below the package root. */
const PACKAGED_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models');

const PACKAGED_MODELS: Readonly<Record<string, PackagedModelHashes>> = {
  // MinishLab's potion-base-4M, int8 (MIT): see models/potion-base-4m-int8/PROVENANCE.txt.
  'potion-base-4m-int8': {
    table: '48003d10a1f686321e4e79f5f306fe1fcf1d2b883a90785c939563a506bb89be',
    tokenizer: '2b450d39e4f10fbced1417d55fd2ba63fe4a7eea561467a06a91c3a4537995c9',
    fingerprints: { 512: 'f3e78d61af236b9235f1068987c12f916febd8bfbcd7b7bded4f24c35342fb55' },
  },
};

/** The packaged copy of `name`: its directory and expected hashes, or undefined when the package has none. */
export function packagedModel(name: string): { dir: string; sha256: PackagedModelHashes } | undefined {
  const sha256 = Object.hasOwn(PACKAGED_MODELS, name) ? PACKAGED_MODELS[name] : undefined;
  return sha256 && { dir: path.join(PACKAGED_MODELS_DIR, name), sha256 };
}
