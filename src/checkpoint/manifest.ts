/** `headstart.json`: the checkpoint manifest, validated strictly before anything else is read. */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ModelError } from '../errors.js';
import type { HeadSpec } from '../heads/index.js';

export const CHECKPOINT_FORMAT = 'headstart-checkpoint';
/** 2: the manifest carries the sha256 of its own text (`manifestSha256`). */
export const CHECKPOINT_FORMAT_VERSION = 2;
export const MANIFEST_FILE = 'headstart.json';
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const fileRecord = z.strictObject({
  name: z.string().min(1).max(128),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const staticSpec = z.strictObject({
  type: z.literal('static'),
  model: z.string().min(1),
  maxTokens: z.number().int().positive(),
  /** A fine-tuned table and its tokenizer, stored in the checkpoint (listed in `stateFiles`). */
  tuned: z.strictObject({ table: z.string().min(1), tokenizer: z.string().min(1) }).optional(),
});
const transformerSpec = z.strictObject({
  type: z.literal('transformer'),
  model: z.string().min(1),
  dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']),
  pooling: z.enum(['mean', 'cls', 'none']),
  normalize: z.boolean(),
  maxTokens: z.number().int().positive(),
});
const tfidfSettings = {
  ngramMax: z.union([z.literal(1), z.literal(2)]),
  minDf: z.number().int().positive(),
  maxFeatures: z.number().int().positive(),
  sublinearTf: z.boolean(),
};

const encoderSpec = z.discriminatedUnion('type', [
  staticSpec,
  transformerSpec,
  z.strictObject({ type: z.literal('tfidf'), ...tfidfSettings }),
  z.strictObject({
    type: z.literal('concat'),
    tfidf: z.strictObject(tfidfSettings),
    /** A pretrained encoder (ConcatEncoder refuses a fine-tuned table). */
    dense: z.discriminatedUnion('type', [staticSpec, transformerSpec]),
    denseWeight: z.number().positive(),
  }),
]);

const headSpec = z
  .strictObject({
    type: z.enum(['linear', 'mlp']),
    inputDim: z.number().int().positive(),
    numLabels: z.number().int().min(1),
    multiLabel: z.boolean(),
    hidden: z.number().int().nonnegative(),
    dropout: z.number().min(0).max(1),
    standardize: z.boolean(),
    /** 'sparse': a linear head over CSR rows (TF-IDF); absent in checkpoints of dense heads. */
    input: z.literal('sparse').optional(),
  })
  .transform((spec, context): HeadSpec => {
    const { type, standardize, input, ...shape } = spec;
    if (input === undefined) return { type, ...shape, standardize };
    if (type === 'linear' && !standardize) return { type, ...shape, standardize, input };
    context.addIssue({
      code: 'custom',
      message: 'a head over sparse rows is linear and unstandardised',
      path: ['input'],
    });
    return z.NEVER;
  });

const encoderRecord = z.strictObject({
  spec: encoderSpec,
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** Files holding the encoder's own state (a fitted TF-IDF vocabulary); names listed in `files`. */
  stateFiles: z.array(z.string()),
});

/** An encoder+head pair fused with the primary one; its files carry `prefix` in the checkpoint. */
const fusionMember = z.strictObject({
  prefix: z.string().regex(/^m[0-9]+-$/),
  encoder: encoderRecord,
  head: z.strictObject({ spec: headSpec, files: z.array(z.string()) }),
});

export const manifestSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  formatVersion: z.number().int().positive(),
  /** sha256 of this file's bytes with this value written as 64 zeros (sealManifest). */
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  libraryVersion: z.string(),
  createdAt: z.string(),
  encoder: encoderRecord,
  labels: z.array(z.string().min(1)).min(1),
  multiLabel: z.boolean(),
  head: z.strictObject({ spec: headSpec, files: z.array(z.string()) }),
  /** Probability-level fusion: weights (primary first) and the other members. */
  fusion: z
    .strictObject({
      weights: z.array(z.number().nonnegative()).min(2),
      members: z.array(fusionMember).min(1),
    })
    .optional(),
  /** Temperature scaling applied to the (fused) probabilities. */
  calibration: z.strictObject({ temperature: z.number().positive() }).optional(),
  /** Probabilities divided by class priors^alpha before temperature scaling. */
  priorCorrection: z
    .strictObject({ alpha: z.number().min(0).max(1), priors: z.array(z.number().positive()) })
    .optional(),
  /** Free-form record of how the model was trained (options, data summary, metrics). */
  training: z.record(z.string(), z.unknown()),
  files: z.array(fileRecord).min(1),
});

export type Manifest = z.infer<typeof manifestSchema>;

const UNSEALED = '0'.repeat(64);
const SEAL = /"manifestSha256": "([0-9a-f]{64})"/g;

/**
 * The manifest's text, holding the sha256 of that same text written with 64 zeros in place of the
 * hash: a changed label name or weight in the manifest itself is refused like a changed file.
 * Computed over the bytes, so no canonical JSON is needed to check it.
 */
export function sealManifest(manifest: Omit<Manifest, 'manifestSha256'>): string {
  const { format, formatVersion, ...rest } = manifest;
  const unsealed = `${JSON.stringify({ format, formatVersion, manifestSha256: UNSEALED, ...rest }, null, 2)}\n`;
  return unsealed.replace(`"manifestSha256": "${UNSEALED}"`, `"manifestSha256": "${sha256(unsealed)}"`);
}

function verifySeal(text: string, file: string): void {
  const seals = [...text.matchAll(SEAL)];
  const [seal] = seals;
  if (!seal || seals.length !== 1) {
    throw new ModelError('CHECKPOINT_MANIFEST_INVALID', `manifest has ${seals.length} manifestSha256 values, not one`, {
      location: { file, field: 'manifestSha256' },
    });
  }
  const unsealed =
    text.slice(0, seal.index) + `"manifestSha256": "${UNSEALED}"` + text.slice(seal.index + seal[0].length);
  const actual = sha256(unsealed);
  if (actual !== seal[1]) {
    throw new ModelError(
      'CHECKPOINT_MANIFEST_HASH_MISMATCH',
      `the manifest's sha256 is ${actual}, not the ${seal[1]} it was saved with: it was changed after saving`,
      {
        location: { file, field: 'manifestSha256' },
      },
    );
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function parseManifest(bytes: Buffer, file: string): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ModelError(
      'CHECKPOINT_MANIFEST_TOO_LARGE',
      `manifest is ${bytes.byteLength} bytes, over ${MAX_MANIFEST_BYTES}`,
      {
        location: { file },
      },
    );
  }
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelError('CHECKPOINT_MANIFEST_NOT_JSON', `manifest is not valid JSON`, { location: { file }, cause });
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version !== CHECKPOINT_FORMAT_VERSION) {
    throw new ModelError(
      'CHECKPOINT_FORMAT_VERSION',
      `checkpoint format version ${version} is ${version > CHECKPOINT_FORMAT_VERSION ? 'newer' : 'older'} than the supported version ${CHECKPOINT_FORMAT_VERSION}`,
      {
        location: { file, field: 'formatVersion' },
        hint:
          version > CHECKPOINT_FORMAT_VERSION ? 'upgrade headstart to load it' : 're-train the model with this version',
      },
    );
  }
  verifySeal(text, file);
  // Parsed once per load: zod's compiled fast path would cost more to build (new Function) than it saves.
  const parsed = manifestSchema.safeParse(json, { jitless: true });
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new ModelError(
      'CHECKPOINT_MANIFEST_INVALID',
      `invalid manifest: ${issue?.message ?? 'does not match the schema'}`,
      {
        location: { file, field: issue?.path.join('.') || undefined },
      },
    );
  }
  const manifest = parsed.data;
  if (manifest.head.spec.numLabels !== manifest.labels.length) {
    throw new ModelError(
      'CHECKPOINT_LABELS_MISMATCH',
      `head has ${manifest.head.spec.numLabels} outputs but the manifest lists ${manifest.labels.length} labels`,
      {
        location: { file, field: 'labels' },
      },
    );
  }
  if (manifest.priorCorrection && manifest.priorCorrection.priors.length !== manifest.labels.length) {
    throw new ModelError(
      'CHECKPOINT_LABELS_MISMATCH',
      `priorCorrection has ${manifest.priorCorrection.priors.length} priors for ${manifest.labels.length} labels`,
      {
        location: { file, field: 'priorCorrection.priors' },
      },
    );
  }
  if (manifest.fusion) {
    const { weights, members } = manifest.fusion;
    if (weights.length !== members.length + 1 || !weights.some((w) => w > 0)) {
      throw new ModelError(
        'CHECKPOINT_MANIFEST_INVALID',
        `fusion needs ${members.length + 1} weights (not all 0), got ${weights.length}`,
        {
          location: { file, field: 'fusion.weights' },
        },
      );
    }
    members.forEach((member, i) => {
      if (
        member.head.spec.numLabels !== manifest.labels.length ||
        member.head.spec.multiLabel !== manifest.multiLabel
      ) {
        throw new ModelError(
          'CHECKPOINT_LABELS_MISMATCH',
          `fusion member ${i} has ${member.head.spec.numLabels} outputs for ${manifest.labels.length} labels`,
          {
            location: { file, field: `fusion.members.${i}.head.spec` },
          },
        );
      }
    });
  }
  if (new Set(manifest.labels).size !== manifest.labels.length) {
    throw new ModelError('CHECKPOINT_LABELS_DUPLICATE', `the label list has duplicates`, {
      location: { file, field: 'labels' },
    });
  }
  return manifest;
}
