/** `headstart.json`: the checkpoint manifest, validated strictly before anything else is read. */
import { createHash } from 'node:crypto';
import { ModelError } from '../errors.js';
import { checkManifestShape, ManifestIssue, type Manifest } from './manifest-schema.js';

export { CHECKPOINT_FORMAT, type Manifest } from './manifest-schema.js';
/** 2: the manifest carries the sha256 of its own text (`manifestSha256`). */
export const CHECKPOINT_FORMAT_VERSION = 2;
export const MANIFEST_FILE = 'headstart.json';
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

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

function checkedShape(json: unknown, file: string): Manifest {
  try {
    return checkManifestShape(json);
  } catch (issue) {
    if (!(issue instanceof ManifestIssue)) throw issue;
    throw new ModelError('CHECKPOINT_MANIFEST_INVALID', `invalid manifest: ${issue.message}`, {
      location: { file, field: issue.path || undefined },
    });
  }
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
  const manifest = checkedShape(json, file);
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
