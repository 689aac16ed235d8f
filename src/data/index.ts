export type { BadRowPolicy, DataFormat, Dataset, Example, ReadOptions, SkippedRow, TextEncoding } from './types.js';
export { RecordReader, readDataset, readRecords } from './read.js';
export { writeCsv, type CsvValue } from './write.js';
export { CORPORA_ENV, listCorpora, resolveDataSource, type CorpusEntry, type ResolvedSource } from './corpora.js';
export { findLabelConflicts, type LabelConflict } from './conflicts.js';
export { checkTrainingTask, labelsOfOneKind, trainableTask, type TaskWarning } from './task-checks.js';
export { STDIN } from './source.js';
