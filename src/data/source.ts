/** Opening a data source (a path or '-' for stdin) as bytes, and picking its format. */
import { createReadStream, closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { crToLf, endsLinesWithCr } from './line-breaks.js';
import { SAMPLE_BYTES } from './sniff.js';
import { detectUtf16 } from './utf16.js';
import type { DataFormat } from './types.js';

export const STDIN = '-';

/** The name used in messages. */
export function sourceName(source: string): string {
  return source === STDIN ? '<stdin>' : source;
}

/** Read as process.stdin: /dev/stdin cannot be opened again when it is a socket (ENXIO), as Node's child-process pipes are. */
const STDIN_DEVICE = '/dev/stdin';

/** Bytes per read of a file: reading 12 MB at the stream's default 64 KiB cost 13 ms of CPU, at 1 MiB 3 ms. */
const READ_BYTES = 1024 * 1024;

export async function* readChunks(source: string): AsyncGenerator<Buffer> {
  const stream =
    source === STDIN || source === STDIN_DEVICE
      ? process.stdin
      : createReadStream(source, { highWaterMark: READ_BYTES });
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
  } catch (error) {
    throw fileError(source, error);
  }
}

export async function readAll(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}

const FORMAT_BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.txt': 'lines',
};

const FPB_LINE = /@(positive|negative|neutral)\r?$/;

export function resolveFormat(source: string, format: DataFormat | 'auto'): DataFormat {
  if (format !== 'auto') return format;
  if (source === STDIN) {
    throw new UsageError('FORMAT_REQUIRED', 'cannot infer the format of stdin', {
      hint: 'pass the format (--format csv|tsv|jsonl|fpb|trec|hoc|lines)',
    });
  }
  const extension = path.extname(source).toLowerCase();
  const byExtension = FORMAT_BY_EXTENSION[extension];
  if (!byExtension) {
    throw new UsageError('FORMAT_REQUIRED', `cannot infer the format of ${source} from its extension "${extension}"`, {
      hint: 'pass the format (--format csv|tsv|jsonl|fpb|trec|hoc|lines), or use .csv, .tsv, .jsonl or .txt',
    });
  }
  if (byExtension === 'lines' && FPB_LINE.test(readHead(source).split('\n', 1)[0] ?? '')) return 'fpb';
  return byExtension;
}

/**
 * The first SAMPLE_BYTES of `file` as ISO-8859-1 (one character per byte, so UTF-8 text keeps
 * its delimiters, quotes and line breaks where they are), without a UTF-8 byte order mark. UTF-16
 * is converted to UTF-8 first, and lines ending with CR alone end with LF, as the readers see them.
 * Empty for anything but a regular file: reading a pipe (/dev/stdin, <(...)) would consume its data.
 */
export function readHead(file: string): string {
  const buffer = Buffer.alloc(SAMPLE_BYTES);
  let fd: number;
  try {
    if (!statSync(file).isFile()) return '';
    fd = openSync(file, 'r');
  } catch (error) {
    throw fileError(file, error);
  }
  try {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const head = asReadersSee(buffer.subarray(0, length), length === buffer.length).toString('latin1');
    return head.startsWith('\xEF\xBB\xBF') ? head.slice(3) : head;
  } catch (error) {
    throw fileError(file, error);
  } finally {
    closeSync(fd);
  }
}

function asReadersSee(bytes: Buffer, cut: boolean): Buffer {
  const utf16 = detectUtf16(bytes);
  let text = bytes;
  if (utf16) {
    const decoded = new TextDecoder(utf16.encoding).decode(bytes);
    // Decoded, a cut sample no longer has SAMPLE_BYTES bytes, which is how a cut is recognised later: cut at a line end.
    text = Buffer.from(cut ? decoded.slice(0, decoded.lastIndexOf('\n') + 1) : decoded, 'utf8');
  }
  return endsLinesWithCr(text, true) ? crToLf(text) : text;
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
};

function fileError(source: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fromSystem = typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string';
  if (!fromSystem || code === undefined) return error;
  return new DataError(
    code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
    FILE_PROBLEMS[code] ?? `cannot read (${code})`,
    {
      location: { file: sourceName(source) },
      cause: error,
    },
  );
}
