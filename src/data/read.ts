/** Entry points: stream Examples from a file or stdin in any supported format, or collect them into a Dataset. */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../errors.js';
import { decodeLineBlocks, type ByteEncoding, type DecodedLine } from './decode.js';
import { readDelimited } from './delimited.js';
import { chooseFormat, DEFAULT_FIELDS } from './format.js';
import { readJsonl } from './jsonl.js';
import { fpbParser, readLineRecords, trecParser } from './line-formats.js';
import { BadRows, type RowRules } from './rows.js';
import { crLinesAsLf } from './line-breaks.js';
import { readAll, readChunks, sourceName } from './source.js';
import type { DataFormat, Dataset, Example, ReadOptions, SkippedRow, TextEncoding } from './types.js';
import { decodingUtf16, utf16Name } from './utf16.js';

/**
 * Examples of one source, read as a stream (fpb and trec files, which are small, are read whole to
 * pick their encoding). The format is chosen on construction (format.ts), so a source that cannot
 * serve fails before any work. After an iteration, `skipped` and `multiLabel` describe what it read.
 */
export class RecordReader implements AsyncIterable<Example> {
  readonly file: string;
  readonly format: DataFormat;
  private readonly delimiter: string | undefined;
  private lastSkipped: SkippedRow[] = [];
  private sawLabelArray = false;

  constructor(
    private readonly source: string,
    private readonly options: ReadOptions = {},
  ) {
    this.file = sourceName(source);
    ({ format: this.format, delimiter: this.delimiter } = chooseFormat(source, options));
  }

  get skipped(): readonly SkippedRow[] {
    return this.lastSkipped;
  }

  /** hoc data, or jsonl data with an array-valued label. */
  get multiLabel(): boolean {
    return this.format === 'hoc' || this.sawLabelArray;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Example> {
    for await (const block of this.blocks()) yield* block;
  }

  /** The examples a block at a time (one await per block of lines rather than per row), never an empty block. */
  async *blocks(): AsyncGenerator<Example[]> {
    const badRows = new BadRows(this.file, this.options.onBadRow ?? 'fail');
    this.lastSkipped = badRows.skipped;
    this.sawLabelArray = false;
    let count = 0;
    for await (const block of this.examples(badRows)) {
      count += block.length;
      yield block;
    }
    badRows.finish();
    if (count === 0) throw this.noRows(badRows.skipped);
  }

  private async *examples(badRows: BadRows): AsyncGenerator<Example[]> {
    const { options, format } = this;
    const defaults = DEFAULT_FIELDS[format];
    const textFields = [options.textField ?? defaults.text].flat();
    const labelField = options.labelField ?? defaults.label;
    const labelled = format !== 'lines' && (options.labelled ?? true);
    const rules: RowRules = { labelled, textField: textFields.join(', '), labelField, labelMap: options.labelMap };
    const lines = await this.lines();
    switch (format) {
      case 'csv':
      case 'tsv':
      case 'hoc':
        for await (const example of readDelimited(
          lines,
          {
            file: this.file,
            format,
            delimiter: this.delimiter,
            textFields,
            labelField,
            idField: options.idField,
            header: options.header ?? true,
            rules,
          },
          badRows,
        ))
          yield [example];
        return;
      case 'jsonl':
        yield* readJsonl(
          lines,
          { textFields, labelField, idField: options.idField, rules, onMultiLabel: () => (this.sawLabelArray = true) },
          badRows,
        );
        return;
      case 'fpb':
        yield* readLineRecords(lines, fpbParser(labelled), rules, badRows);
        return;
      case 'trec':
        yield* readLineRecords(lines, trecParser(labelled, options.trecFine ?? false), rules, badRows);
        return;
      case 'lines':
        yield* readLineRecords(lines, 'lines', rules, badRows);
        return;
    }
  }

  /**
   * UTF-16 is read as such with 'auto' (and said so), refused as UTF-8. Lines may end with CR alone.
   * fpb and trec files come in UTF-8 or ISO-8859-1, so with 'auto' their whole bytes decide. Else
   * 'auto' is strict UTF-8, or replacing UTF-8 when bad rows are flagged rather than refused.
   */
  private async lines(): Promise<AsyncIterable<DecodedLine[]>> {
    const requested = this.options.encoding ?? 'auto';
    let chunks: AsyncIterable<Buffer> = readChunks(this.source);
    if (requested !== 'latin1') chunks = await this.utf16AsUtf8(chunks, requested);
    chunks = crLinesAsLf(chunks, () =>
      this.options.onNote?.(`${this.file}: its lines end with CR (\\r) alone; read as lines split at each CR`),
    );
    if (requested === 'auto' && (this.format === 'fpb' || this.format === 'trec')) {
      const bytes = await readAll(chunks);
      return decodeLineBlocks(once(bytes), this.file, isUtf8(bytes) ? 'utf-8' : 'latin1');
    }
    const encoding: ByteEncoding =
      requested !== 'auto' ? requested : this.options.onBadRow === 'flag' ? 'utf-8-replace' : 'utf-8';
    return decodeLineBlocks(chunks, this.file, encoding);
  }

  private async utf16AsUtf8(chunks: AsyncIterable<Buffer>, requested: TextEncoding): Promise<AsyncIterable<Buffer>> {
    const decoded = await decodingUtf16(chunks);
    if (!decoded.utf16) return decoded.chunks;
    const { encoding, evidence } = decoded.utf16;
    if (requested === 'auto') {
      this.options.onNote?.(`${this.file}: read as ${utf16Name(encoding)} (${evidence}), not UTF-8`);
      return decoded.chunks;
    }
    throw new DataError('UTF16_INPUT', `the file is ${utf16Name(encoding)} (${evidence}), not UTF-8`, {
      location: { file: this.file },
      hint: `leave --encoding at auto to read it as UTF-16, or convert it: iconv -f ${encoding.toUpperCase()} -t UTF-8 ${this.file} > converted.txt`,
    });
  }

  private noRows(skipped: SkippedRow[]): DataError {
    const [first] = skipped;
    if (!first) return new DataError('NO_ROWS', 'no rows', { location: { file: this.file } });
    return new DataError(
      'NO_ROWS',
      `no usable rows: all ${skipped.length} rows were bad (first: line ${first.line}, ${first.reason})`,
      {
        location: { file: this.file },
      },
    );
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** Streams the Examples of `source` (a path, or '-' for stdin). */
export function readRecords(source: string, options: ReadOptions = {}): RecordReader {
  return new RecordReader(source, options);
}

/** Reads all of `source` into memory. */
export async function readDataset(source: string, options: ReadOptions = {}): Promise<Dataset> {
  const reader = readRecords(source, options);
  const examples: Example[] = [];
  const labels = new Set<string>();
  for await (const example of reader) {
    examples.push(example);
    for (const label of example.labels) labels.add(label);
  }
  return {
    file: reader.file,
    format: reader.format,
    examples,
    multiLabel: reader.multiLabel,
    labelSet: [...labels].sort(),
    skipped: [...reader.skipped],
  };
}
