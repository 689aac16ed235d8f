/** Option groups shared by several commands, and their conversion to library options. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { FitOptions, Recipe } from '../classifier.js';
import { UsageError } from '../errors.js';
import { definedOnly } from '../util/index.js';
import { DEFAULT_SEED } from '../heads/index.js';

export function integer(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function fraction(name: string, max = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > max)
      throw new InvalidArgumentError(`${name} must be a number in [0, ${max}]`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

/** --data and how to read it. */
export function addDataOptions(command: Command, dataFlag = '--data <file>', required = true): Command {
  const dataHelp = 'data file (csv, tsv, jsonl, fpb, trec, hoc) or a corpus name such as fpb50, banking77-train';
  return (required ? command.requiredOption(dataFlag, dataHelp) : command.option(dataFlag, dataHelp))
    .addOption(
      new Option('--format <format>', 'input format')
        .choices(['auto', 'csv', 'tsv', 'jsonl', 'fpb', 'trec', 'hoc', 'lines'])
        .default('auto'),
    )
    .option('--text-field <name>', 'column or JSON field holding the text (default: text, or the corpus registry)')
    .option('--label-field <name>', 'column or JSON field holding the label (default: label, or the corpus registry)')
    .option(
      '--delimiter <char>',
      "field delimiter of csv input: one character, e.g. ';', or tab (default: ',', or ';' or tab when a .csv header has one of them and no comma)",
    )
    .addOption(
      new Option(
        '--encoding <encoding>',
        'text encoding of the file; auto and utf-8 fail on invalid UTF-8 naming the byte (predict: see --strict), utf-8-replace reads it as U+FFFD and flags those rows; auto also reads UTF-16',
      )
        .choices(['auto', 'utf-8', 'utf-8-replace', 'latin1'])
        .default('auto'),
    )
    .addOption(
      new Option('--on-bad-row <policy>', 'what to do with empty texts, missing labels and malformed rows')
        .choices(['fail', 'skip', 'warn'])
        .default('fail'),
    );
}

/** --encoder and where to find models. */
export function addEncoderOptions(command: Command): Command {
  return command
    .option(
      '--encoder <encoder>',
      'potion (the embedded default), tfidf, hf:<hub id>, a model directory, or tfidf+potion (TF-IDF with the embeddings appended)',
      'potion',
    )
    .option(
      '--model-dir <dir>',
      'directory holding the encoder model files (else $HEADSTART_MODELS/<name>, then the packaged default)',
    )
    .option('--allow-download', ALLOW_DOWNLOAD_HELP);
}

export const ALLOW_DOWNLOAD_HELP =
  'download a hub model (hf:owner/name[@revision]) missing from the model folders into the cache ($HEADSTART_CACHE); also HEADSTART_ALLOW_DOWNLOAD=1';

export function addTrainingOptions(command: Command): Command {
  return command
    .addOption(new Option('--head <type>', 'classification head').choices(['linear', 'mlp']))
    .option('--hidden <n>', 'MLP hidden units', integer('--hidden', 1))
    .option('--dropout <rate>', 'MLP dropout', fraction('--dropout', 0.95))
    .option('--epochs <n>', 'maximum training epochs', integer('--epochs', 1))
    .option('--batch-size <n>', 'mini-batch size', integer('--batch-size', 1))
    .option('--learning-rate <lr>', 'Adam learning rate', positiveNumber('--learning-rate'))
    .option('--l2 <lambda>', 'L2 penalty on the weights', fraction('--l2', 10))
    .addOption(new Option('--class-weight <mode>', 'class weighting').choices(['balanced', 'none']))
    .option(
      '--validation-split <f>',
      'fraction held out for early stopping (0 disables it)',
      fraction('--validation-split', 0.9),
    )
    .option('--patience <n>', 'early-stopping patience in epochs', integer('--patience', 1))
    .option('--seed <n>', `random seed (default ${DEFAULT_SEED}, as in the library)`, integer('--seed'), DEFAULT_SEED)
    .option(
      '--fine-tune',
      "train the static encoder's embedding table together with the head (potion and other Model2Vec encoders; the auto recipe does by default)",
    )
    .option(
      '--no-fine-tune',
      'keep the table frozen, e.g. for models that predict together from one embedding (predict with several --model)',
    )
    .option(
      '--table-learning-rate <lr>',
      'with --fine-tune: Adam step size of the table rows',
      positiveNumber('--table-learning-rate'),
    )
    .option(
      '--l2-pull <lambda>',
      'with --fine-tune: pull of tuned rows towards their pretrained values',
      fraction('--l2-pull', 1000),
    );
}

/** --multi-label: intent, so that a few list-valued labels in a file do not turn the model multi-label by accident. */
export function addMultiLabelOption(command: Command): Command {
  return command.option(
    '--multi-label',
    'train a multi-label model: a row may have a list of labels (JSONL arrays), a single label counts as a list of one',
  );
}

export interface TrainingFlags {
  head?: 'linear' | 'mlp';
  hidden?: number;
  dropout?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  l2?: number;
  classWeight?: 'balanced' | 'none';
  validationSplit?: number;
  patience?: number;
  seed: number;
  fineTune?: boolean;
  tableLearningRate?: number;
  l2Pull?: number;
  multiLabel?: boolean;
}

export function fitOptionsFrom(flags: TrainingFlags): FitOptions {
  if (!flags.fineTune && (flags.tableLearningRate !== undefined || flags.l2Pull !== undefined)) {
    throw new UsageError(
      'FINE_TUNE_OPTION',
      '--table-learning-rate and --l2-pull apply to fine-tuning: add --fine-tune',
    );
  }
  return definedOnly({
    head: flags.head,
    hidden: flags.hidden,
    dropout: flags.dropout,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    learningRate: flags.learningRate,
    l2: flags.l2,
    classWeight: flags.classWeight,
    validationSplit: flags.validationSplit,
    patience: flags.patience,
    seed: flags.seed,
    fineTune: flags.fineTune ? { tableLearningRate: flags.tableLearningRate, l2Pull: flags.l2Pull } : flags.fineTune,
    multiLabel: flags.multiLabel,
  });
}

/** A duration such as 60s, 2m, 1.5m or a plain number of seconds. */
export function duration(name: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(value.trim());
    const seconds = match ? Number(match[1]) * (match[2] === 'm' ? 60 : 1) : NaN;
    if (!(seconds > 0)) throw new InvalidArgumentError(`${name} must be a positive duration such as 60s or 2m`);
    return seconds;
  };
}

export interface RecipeFlags {
  recipe: Recipe;
  budget?: number;
  student?: boolean;
}

/** --recipe, --budget and --student: how the classifier is put together. */
export function addRecipeOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--recipe <recipe>',
        'auto: fuse the encoder with TF-IDF where held-out data says it helps, calibrated; single: one head over --encoder',
      )
        .choices(['auto', 'single'])
        .default('auto'),
    )
    .option(
      '--budget <duration>',
      'wall-clock budget of the auto recipe (e.g. 60s, 2m): past it fine-tuning, then the TF-IDF member, is dropped, so the model depends on how busy the machine is; without it auto decides from counted work, the same on any machine',
      duration('--budget'),
    )
    .option(
      '--student',
      'auto: distil a fused ensemble into one fast student (fine-tuned potion + MLP), kept when it scores as well on held-out rows',
    );
}

/** --labels: label descriptions for zero-shot training, or a prior added to the data. */
export function addLabelDescriptionOption(command: Command): Command {
  return command.option(
    '--labels <descriptions>',
    'label descriptions, e.g. "positive: good news for the company, negative: bad news"; alone (no --data) they train a zero-shot classifier, with --data they are added as examples',
  );
}
