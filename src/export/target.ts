/**
 * Where an export may be written. `--out` names the graph; `tokenizer.json` and `headstart-onnx.json`
 * go beside it. A file already at any of the three paths is replaced only when it belongs to an
 * earlier export of the same graph file (the sidecar there is ours and names it): anything else,
 * including another export's files in the same directory, is refused, as are directories, links,
 * devices and paths inside the checkpoint being exported. Missing directories are created. Each file is written to a temporary
 * sibling created exclusively and renamed over its path, the sidecar last.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError, environmentError } from '../errors.js';
import { writeFileAtomically } from '../util/index.js';
import { SIDECAR_FILE, TOKENIZER_FILE, sidecarModel } from './sidecar.js';

export interface ExportTarget {
  dir: string;
  model: string;
  tokenizer: string;
  sidecar: string;
}

export async function checkExportTarget(out: string, checkpointDir: string): Promise<ExportTarget> {
  const refuse = (
    what: string,
    hint = 'give a new file path (e.g. model.onnx) in a directory of its own, or the path of an earlier export of this graph',
  ) => new UsageError('EXPORT_OUT_REFUSED', `--out ${out} ${what}: refusing to write the export there`, { hint });
  const model = path.resolve(out);
  const dir = path.dirname(model);
  const name = path.basename(model);
  if (name === TOKENIZER_FILE || name === SIDECAR_FILE)
    throw refuse(`is named like a file the export writes beside the graph (${name})`);
  const checkpoint = path.resolve(checkpointDir);
  if (dir === checkpoint || dir.startsWith(checkpoint + path.sep))
    throw refuse('is inside the checkpoint being exported', 'write the export outside the checkpoint directory');
  // Missing directories are created when writing: the nearest one that exists must be a writable directory.
  let existingDir = dir;
  while (!(await fs.stat(existingDir).catch(() => undefined)) && path.dirname(existingDir) !== existingDir)
    existingDir = path.dirname(existingDir);
  if (!(await fs.stat(existingDir)).isDirectory())
    throw refuse(`is under ${existingDir}, which is not a directory`, 'fix the path');
  await fs.access(existingDir, constants.W_OK).catch((error: unknown) => {
    throw environmentError(error, existingDir);
  });

  const target = { dir, model, tokenizer: path.join(dir, TOKENIZER_FILE), sidecar: path.join(dir, SIDECAR_FILE) };
  const existing = [];
  for (const file of [target.model, target.tokenizer, target.sidecar]) {
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat) continue;
    if (!stat.isFile())
      throw refuse(
        file === model
          ? 'is not a regular file (a directory, link or device)'
          : `has ${path.basename(file)} beside it, which is not a regular file`,
      );
    existing.push(file);
  }
  if (existing.length > 0) {
    const owner = await fs.readFile(target.sidecar, 'utf8').then(sidecarModel, () => undefined);
    if (owner !== name) {
      const which = existing.map((file) => path.basename(file)).join(', ');
      throw refuse(
        owner === undefined
          ? `would replace ${which}, which no earlier export wrote`
          : `would replace ${which}, which belong to the export of ${owner}`,
      );
    }
  }
  return target;
}

/** Writes `files` (path to bytes) in order, each through an exclusive temporary sibling and a rename. */
export async function writeExportFiles(dir: string, files: [string, Uint8Array | string][]): Promise<void> {
  await fs.mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw environmentError(error, dir);
  });
  for (const [file, data] of files) await writeFileAtomically(file, data);
}
