import { Option, type Command } from 'commander';
import { EXPORT_FORMATS, exportModel, type ExportFormat } from '../../export/index.js';
import { printJsonResult } from '../output.js';

interface ExportFlags {
  model: string;
  format: ExportFormat;
  out: string;
  modelDir?: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a saved model as one ONNX graph (token ids in, probabilities out) with its tokenizer.json and headstart-onnx.json beside it',
    )
    .requiredOption('--model <dir>', 'checkpoint directory written by train (static encoders with dense heads only)')
    .addOption(new Option('--format <format>', 'export format').choices([...EXPORT_FORMATS]).default('onnx'))
    .requiredOption(
      '--out <file>',
      'the graph to write, e.g. model.onnx: a new path, or an earlier export of this graph (replaced)',
    )
    .option(
      '--model-dir <dir>',
      'directory holding the encoder model files (else $HEADSTART_MODELS/<name>, then the packaged default)',
    )
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (flags: ExportFlags) => {
      const result = await exportModel(flags.model, { out: flags.out, format: flags.format, modelDir: flags.modelDir });
      const { files, modelBytes, members, opset, sidecar } = result;
      process.stdout.write(
        `${files.model}: ${(modelBytes / 1e6).toFixed(1)} MB, ONNX opset ${opset}, ${members} member${members === 1 ? '' : 's'}, labels ${sidecar.labels.join(', ')}\n` +
          `${files.tokenizer}\n${files.sidecar}: how to tokenize (no special tokens, unknown tokens dropped, at most ${sidecar.tokenizer.maxTokens} ids)\n`,
      );
      if (flags.json)
        printJsonResult({
          command: 'export',
          model: flags.model,
          format: flags.format,
          files,
          modelBytes,
          members,
          opset,
        });
    });
}
