/** Shapes shared by the data readers, the corpus registry and their callers. */

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'fpb' | 'trec' | 'hoc' | 'lines';

/**
 * 'auto' means strict UTF-8 for csv/tsv/jsonl/lines/hoc, and for fpb/trec: UTF-8 when the whole
 * file is valid UTF-8, else ISO-8859-1 (those corpora ship in both); a UTF-16 file is read as such. 'utf-8' fails on invalid bytes
 * (naming line and byte offset); 'utf-8-replace' turns them into U+FFFD and flags the record.
 */
export type TextEncoding = 'auto' | 'utf-8' | 'utf-8-replace' | 'latin1';

/**
 * What to do with a row that has no usable text or label: throw, drop it quietly, or drop it and warn
 * once at the end; or (prediction input) keep it, flagged with `error`, and read invalid UTF-8 as U+FFFD.
 */
export type BadRowPolicy = 'fail' | 'skip' | 'warn' | 'flag';

export interface Example {
  /** The id field when one is configured, else the line number as a string. */
  id: string;
  /** 1-based physical line where the record starts. */
  line: number;
  text: string;
  /** One label for single-label data, any number (including none) for multi-label data, none when unlabelled. */
  labels: string[];
  /** Set when invalid UTF-8 bytes in the record were replaced by U+FFFD (encoding 'utf-8-replace'). */
  invalidUtf8?: true;
  /** Policy 'flag' only: why the record could not be read (its text is then '' and it has no labels). */
  error?: string;
  /** Set when a JSONL label field held a list (an array), even of one label. */
  labelList?: true;
}

export interface SkippedRow {
  line: number;
  reason: string;
}

export interface Dataset {
  file: string;
  format: DataFormat;
  examples: Example[];
  multiLabel: boolean;
  /** Every label seen, sorted by code unit. */
  labelSet: string[];
  skipped: SkippedRow[];
}

export interface ReadOptions {
  /**
   * 'auto' (default) picks by extension: .csv .tsv .jsonl/.ndjson; .txt = fpb when it looks like
   * `...@positive`, csv (or tsv) when its first line is a header naming the text (and label) fields
   * and the rows after it have as many fields, else lines.
   */
  format?: DataFormat | 'auto';
  /** Column or JSON field holding the text; several are joined with '. '. Default 'text' ('sentence' for hoc). */
  textField?: string | string[] | undefined;
  /** Default 'label' ('labels' for hoc). */
  labelField?: string | undefined;
  /** Column or JSON field used as the example id (default: the line number). */
  idField?: string | undefined;
  /**
   * false for prediction input: no label is read and empty texts are yielded, not rejected. Default
   * true, except for plain lines, which carry no labels: `true` with lines is a DataError (UNLABELLED_DATA).
   */
  labelled?: boolean;
  encoding?: TextEncoding;
  /**
   * csv/tsv only. true (default): the first row names the columns. A list: the file has no header and
   * these are the column names. false: no header; columns are named "1", "2", ... (1-based, like `cut -f`).
   */
  header?: boolean | string[] | undefined;
  /** Renames raw labels (e.g. '1' -> 'neoplasms'); a label missing from the map is a bad row. */
  labelMap?: Record<string, string> | undefined;
  /** Default 'fail'. With 'flag', encoding 'auto' reads invalid UTF-8 as U+FFFD (flagged) rather than failing. */
  onBadRow?: BadRowPolicy;
  /**
   * csv, tsv and hoc: the field delimiter, one character. Default ',' for csv (';' or tab when the
   * header has one of them and no comma), tab for tsv and hoc.
   */
  delimiter?: string;
  /** Told what was detected rather than given, in one line (e.g. CSV in a .txt file); the CLI prints it on stderr. */
  onNote?: (message: string) => void;
  /** trec only: use 'COARSE:fine' labels (50 classes) instead of the 6 coarse ones. */
  trecFine?: boolean;
}
