/**
 * A checkpoint names the model its encoder reads. A checkpoint is data (in queue mode, whoever can
 * write to Redis chooses it), so that name may not reach anywhere on disk: it must be a name looked
 * up inside the model folders (a packaged model, `$HEADSTART_MODELS/<name>`, `modelDir/<name>`),
 * never an absolute path or one climbing out with `..`. A fine-tuned table is read from the
 * checkpoint's own verified files, never through this name.
 */
import path from 'node:path';
import { type EncoderSpec, modelsOf } from '../encoders/index.js';
import { ModelError } from '../errors.js';

/** Refuses an encoder spec (and a concatenation's dense part) whose model name leaves the model folders. */
export function assertConfinedEncoder(spec: EncoderSpec, manifestPath: string, field: string): void {
  for (const { model, field: within } of modelsOf(spec)) assertConfinedModel(model, manifestPath, `${field}${within}`);
}

function assertConfinedModel(model: string, manifestPath: string, field: string): void {
  const absolute = path.posix.isAbsolute(model) || path.win32.isAbsolute(model);
  if (absolute || model.split(/[\\/]/).includes('..')) {
    throw new ModelError(
      'CHECKPOINT_ENCODER_PATH_OUTSIDE',
      `encoder model ${JSON.stringify(model)} is ${absolute ? 'an absolute path' : 'a path climbing out with ..'}: a checkpoint may only name a model inside the model folders`,
      {
        location: { file: manifestPath, field: `${field}.model` },
        hint: 'put the model under $HEADSTART_MODELS (or pass --model-dir) and train with the model named relative to that folder',
      },
    );
  }
}
