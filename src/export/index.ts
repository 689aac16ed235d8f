/**
 * `headstart export`: a checkpoint whose members are static (Model2Vec) encoders with dense heads,
 * as one ONNX graph (token ids + mask in, probabilities out) with its tokenizer and a sidecar
 * saying how to tokenise, so it runs in any ONNX runtime without headstart.
 */
import path from 'node:path';
import { TextClassifier } from '../classifier.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { importOptional } from '../util/index.js';
import type { OnnxProtoModule } from './graph-builder.js';
import { buildOnnxGraph, OPSET } from './onnx-graph.js';
import { planExport } from './plan.js';
import { sidecarFor, type OnnxSidecar } from './sidecar.js';
import { checkExportTarget, writeExportFiles } from './target.js';

export { SIDECAR_FILE, TOKENIZER_FILE, type OnnxSidecar } from './sidecar.js';

export const EXPORT_FORMATS = ['onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions extends Pick<EncoderLoadOptions, 'modelDir'> {
  /** The graph's path; `tokenizer.json` and `headstart-onnx.json` are written beside it. */
  out: string;
  format?: ExportFormat;
}

export interface ExportResult {
  files: { model: string; tokenizer: string; sidecar: string };
  modelBytes: number;
  members: number;
  opset: number;
  sidecar: OnnxSidecar;
}

export async function exportModel(checkpointDir: string, options: ExportOptions): Promise<ExportResult> {
  const { out, format = 'onnx', ...loadOptions } = options;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      'EXPORT_FORMAT',
      `export format ${JSON.stringify(format)} is not supported (supported: ${EXPORT_FORMATS.join(', ')})`,
    );
  }
  const target = await checkExportTarget(out, checkpointDir);
  const proto = await importOptional<{ default: OnnxProtoModule }>('onnx-proto', 'headstart export --format onnx');
  const classifier = await TextClassifier.load(checkpointDir, loadOptions);
  try {
    const plan = planExport(classifier, checkpointDir);
    const sidecar = sidecarFor(plan, path.basename(target.model), path.basename(path.resolve(checkpointDir)));
    const graph = buildOnnxGraph(
      proto.default,
      plan,
      `headstart export of ${path.basename(path.resolve(checkpointDir))}; see ${sidecar.tokenizer.file} and headstart-onnx.json`,
    );
    await writeExportFiles(target.dir, [
      [target.model, graph],
      [target.tokenizer, plan.tokenizer.tokenizerJson],
      [target.sidecar, `${JSON.stringify(sidecar, null, 2)}\n`],
    ]);
    return {
      files: { model: target.model, tokenizer: target.tokenizer, sidecar: target.sidecar },
      modelBytes: graph.byteLength,
      members: plan.members.length,
      opset: OPSET,
      sidecar,
    };
  } finally {
    await classifier.dispose();
  }
}
