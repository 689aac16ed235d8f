/** Turns the CLI's data flags into a dataset: corpus names resolve through the registry, flags override it. */
import { labelsOfOneKind, readDataset, resolveDataSource, type Dataset, type ReadOptions } from '../data/index.js';
import { info } from './output.js';

export interface DataFlags {
  format: string;
  textField?: string | undefined;
  labelField?: string | undefined;
  encoding: 'auto' | 'utf-8' | 'latin1';
  onBadRow: 'fail' | 'skip' | 'warn';
  delimiter?: string | undefined;
}

/** --delimiter: one character, or a name for the one a shell makes awkward to type. */
const DELIMITER_NAMES: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };

export function readOptionsFrom(
  source: string,
  flags: DataFlags,
  labelled: boolean,
): { path: string; options: ReadOptions } {
  const resolved = resolveDataSource(source);
  const options: ReadOptions = {
    ...resolved.options,
    labelled,
    encoding: flags.encoding,
    onBadRow: flags.onBadRow,
    onNote: info,
  };
  if (flags.format !== 'auto') options.format = flags.format as NonNullable<ReadOptions['format']>;
  if (flags.textField) options.textField = flags.textField;
  if (flags.labelField) options.labelField = flags.labelField;
  if (flags.delimiter !== undefined)
    options.delimiter = DELIMITER_NAMES[flags.delimiter.toLowerCase()] ?? flags.delimiter;
  if (flags.encoding === 'auto' && resolved.options.encoding) options.encoding = resolved.options.encoding;
  return { path: resolved.path, options };
}

/**
 * Reads a labelled file. A row's labels stay a list when its label field held one; a mix of lists
 * and single labels is refused naming the first list's line, unless `multiLabel` (--multi-label).
 */
export async function loadLabelledData(
  source: string,
  flags: DataFlags & { multiLabel?: boolean | undefined },
): Promise<{ dataset: Dataset; texts: string[]; labels: string[] | string[][] }> {
  const { path, options } = readOptionsFrom(source, flags, true);
  const dataset = await readDataset(path, options);
  const { examples } = dataset;
  const texts = examples.map((example) => example.text);
  const field = options.labelField ?? 'label';
  const lists = dataset.format === 'hoc';
  const given = examples.map((example) => (lists || example.labelList ? example.labels : example.labels[0]));
  const labels = labelsOfOneKind(given, flags.multiLabel, (index) => ({
    file: dataset.file,
    line: examples[index]?.line,
    field,
  })) as string[] | string[][];
  return { dataset, texts, labels };
}

/** The given file arguments that are paths (not stdin), for checks that an output spares them. */
export function definedPaths(...sources: (string | undefined)[]): string[] {
  return sources.filter((source): source is string => source !== undefined && source !== '-');
}
