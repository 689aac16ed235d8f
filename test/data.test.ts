import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readDataset, readRecords, type ReadOptions } from '../src/data/index.js';
import { DataError, UsageError } from '../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'headstart-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` to a fresh temp file with the given name suffix and returns its path. */
function temp(suffix: string, content: string | Buffer): string {
  const file = path.join(dir, `f${fileCount++}${suffix}`);
  writeFileSync(file, content);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

const read = (file: string, options?: ReadOptions) => readDataset(file, options);

describe('csv', () => {
  it('reads text and label columns with ids and lines, labels sorted', async () => {
    const file = temp(
      '.csv',
      'label,text,extra\npositive,Profit rose,x\nnegative,Sales fell,y\nneutral,Meeting on Monday,z\n',
    );
    const data = await read(file);
    expect(data.format).toBe('csv');
    expect(data.multiLabel).toBe(false);
    expect(data.examples).toEqual([
      { id: '2', line: 2, text: 'Profit rose', labels: ['positive'] },
      { id: '3', line: 3, text: 'Sales fell', labels: ['negative'] },
      { id: '4', line: 4, text: 'Meeting on Monday', labels: ['neutral'] },
    ]);
    expect(data.labelSet).toEqual(['negative', 'neutral', 'positive']);
    expect(data.skipped).toEqual([]);
  });

  it('counts physical lines across quoted line breaks and blank lines, with LF or CRLF', async () => {
    for (const eol of ['\n', '\r\n']) {
      const content = ['text,label', '"first', 'second",a', '', 'plain,b', '"say ""hi""",c', ''].join(eol);
      const data = await read(temp('.csv', content));
      expect(data.examples.map((e) => [e.line, e.text, e.labels[0]])).toEqual([
        [2, `first${eol}second`, 'a'],
        [5, 'plain', 'b'],
        [6, 'say "hi"', 'c'],
      ]);
    }
  });

  it('strips a UTF-8 BOM and keeps quotes inside unquoted fields', async () => {
    const data = await read(temp('.csv', '\uFEFFtext,label\r\nThe 5" screen,pos\r\n'));
    expect(data.examples[0]).toMatchObject({ text: 'The 5" screen', labels: ['pos'] });
  });

  it('joins several text fields with ". ", uses the id field and maps labels', async () => {
    const file = temp('.csv', 'id,title,body,label\nA7,Markets rally,Stocks up,1\nB2,,Only body,2\n');
    const data = await read(file, {
      textField: ['title', 'body'],
      idField: 'id',
      labelMap: { '1': 'up', '2': 'down' },
    });
    expect(data.examples).toEqual([
      { id: 'A7', line: 2, text: 'Markets rally. Stocks up', labels: ['up'] },
      { id: 'B2', line: 3, text: 'Only body', labels: ['down'] },
    ]);
  });

  it('reads header-less files with explicit column names, or numbered columns', async () => {
    const file = temp('.csv', '"3","Title","Body text"\n"1","Other","More"\n');
    const named = await read(file, {
      header: ['class', 'title', 'body'],
      textField: ['title', 'body'],
      labelField: 'class',
    });
    expect(named.examples.map((e) => [e.line, e.text, e.labels[0]])).toEqual([
      [1, 'Title. Body text', '3'],
      [2, 'Other. More', '1'],
    ]);
    const numbered = await read(file, { header: false, textField: '3', labelField: '1' });
    expect(numbered.examples.map((e) => e.text)).toEqual(['Body text', 'More']);
  });

  it('names the columns it found when the text or label column is missing (no guessing)', async () => {
    const file = temp('.csv', 'sentence,label\nGood,pos\n');
    const error = await failure(read(file));
    expect(error.code).toBe('MISSING_COLUMN');
    expect(error.message).toContain(`${file}:1`);
    expect(error.message).toContain('field "text"');
    expect(error.message).toContain('columns found: sentence, label');
    const noLabel = await failure(read(temp('.csv', 'text,category\nGood,pos\n')));
    expect(noLabel.message).toContain('field "label"');
    expect(noLabel.message).toContain('columns found: text, category');
  });

  it('reports an empty text with file, line and field', async () => {
    const file = temp('.csv', 'text,label\nfine,a\n   ,b\n');
    const error = await failure(read(file));
    expect(error.code).toBe('EMPTY_TEXT');
    expect(error.message).toContain(`${file}:3`);
    expect(error.message).toContain('field "text"');
    expect(error.location).toEqual({ file, line: 3, field: 'text' });
  });

  it('reports a missing label with file, line and field', async () => {
    const file = temp('.csv', 'text,label\nfine,a\nno label here,\n');
    const error = await failure(read(file));
    expect(error.code).toBe('MISSING_LABEL');
    expect(error.message).toContain(`${file}:3`);
    expect(error.message).toContain('field "label"');
  });

  it('reports a wrong field count with file and line', async () => {
    const file = temp('.csv', 'text,label\nfine,a\nextra,b,c\n');
    const error = await failure(read(file));
    expect(error.code).toBe('FIELD_COUNT');
    expect(error.message).toContain(`${file}:3`);
    expect(error.message).toContain('expected 2 fields (text, label), found 3');
  });

  it('reports a label missing from the label map', async () => {
    const file = temp('.csv', 'text,label\nfine,1\nodd,7\n');
    const error = await failure(read(file, { labelMap: { '1': 'one' } }));
    expect(error.code).toBe('UNKNOWN_LABEL');
    expect(error.message).toContain(`${file}:3`);
    expect(error.message).toContain('field "label"');
    expect(error.message).toContain('"7"');
  });

  it('reports unbalanced quotes as a syntax error at the record that opens them', async () => {
    const file = temp('.csv', 'text,label\nok,a\n"never closed,b\nmore,c\n');
    const error = await failure(read(file));
    expect(error.code).toBe('CSV_SYNTAX');
    expect(error.message).toContain(`${file}:3:`);
    // Far into a large file, after quoted CRLF line breaks: lines 2-9001 hold 3000 three-line records (several parser writes).
    const rows = Array.from({ length: 3000 }, (_, i) => `"row ${i}\r\nsecond\r\nthird",x`).join('\r\n');
    const large = temp('.csv', `text,label\r\n${rows}\r\n"unclosed,y\r\nz,w\r\n`);
    expect((await failure(read(large))).message).toContain(`${large}:9002:`);
  });

  it('skips bad rows with skip/warn, records them, and warn prints one summary line', async () => {
    const file = temp('.csv', 'text,label\ngood,a\n,b\nalso good,\nx,y,z\nlast,c\n');
    const skipped = await read(file, { onBadRow: 'skip' });
    expect(skipped.examples.map((e) => e.line)).toEqual([2, 6]);
    expect(skipped.skipped).toEqual([
      { line: 3, reason: 'field "text": empty text' },
      { line: 4, reason: 'field "label": missing label' },
      { line: 5, reason: 'expected 2 fields (text, label), found 3' },
    ]);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const warned = await read(file, { onBadRow: 'warn' });
      expect(warned.examples).toHaveLength(2);
      expect(stderr).toHaveBeenCalledTimes(1);
      expect(String(stderr.mock.calls[0][0])).toContain(`skipped 3 bad rows in ${file} (first: line 3`);
    } finally {
      stderr.mockRestore();
    }
  });

  it('yields empty texts for unlabelled reads and needs no label column', async () => {
    const file = temp('.csv', 'id,text\n1,first\n2,\n3,"  "\n');
    const data = await read(file, { labelled: false, idField: 'id' });
    expect(data.examples).toEqual([
      { id: '1', line: 2, text: 'first', labels: [] },
      { id: '2', line: 3, text: '', labels: [] },
      { id: '3', line: 4, text: '  ', labels: [] },
    ]);
  });

  it('treats a blank line in a one-column file as an empty text, not as nothing', async () => {
    const data = await read(temp('.csv', 'text\nfirst\n\nthird\n'), { labelled: false });
    expect(data.examples.map((e) => [e.line, e.text])).toEqual([
      [2, 'first'],
      [3, ''],
      [4, 'third'],
    ]);
  });

  it('rejects empty and header-only files with "no rows"', async () => {
    for (const content of ['', 'text,label\n', '\n\n']) {
      const file = temp('.csv', content);
      const error = await failure(read(file));
      expect(error.code).toBe('NO_ROWS');
      expect(error.message).toBe(`${file}: no rows`);
    }
    const allBad = await failure(read(temp('.csv', 'text,label\n,a\n'), { onBadRow: 'skip' }));
    expect(allBad.message).toContain('no usable rows: all 1 rows were bad');
  });

  it('rejects a header that names a column twice', async () => {
    const error = await failure(read(temp('.csv', 'text,label,text\na,b,c\n')));
    expect(error.code).toBe('DUPLICATE_COLUMN');
    expect(error.message).toContain('field "text"');
  });
});

describe('encoding', () => {
  it('reports invalid UTF-8 with file, line, byte offset and the latin1 hint', async () => {
    const bytes = Buffer.concat([Buffer.from('text,label\nok,a\ncaf'), Buffer.from([0xe9]), Buffer.from(' noir,b\n')]);
    const file = temp('.csv', bytes);
    const error = await failure(read(file));
    expect(error.code).toBe('INVALID_UTF8');
    // 'text,label\n' is 11 bytes, 'ok,a\n' 5, 'caf' 3: the bad byte is at offset 19.
    expect(error.message).toBe(
      `${file}:3: invalid UTF-8 at byte offset 19 (byte 0xE9, which is "é" in ISO-8859-1: the file looks like latin-1, not UTF-8)`,
    );
    expect(error.hint).toContain('--encoding latin1');
    const latin = await read(file, { encoding: 'latin1' });
    expect(latin.examples[1].text).toBe('café noir');
  });

  it('counts the BOM and earlier multi-byte characters in the byte offset', async () => {
    const bytes = Buffer.concat([
      Buffer.from('\uFEFFtext,label\n€uro \uFFFD ok,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    const error = await failure(read(temp('.csv', bytes)));
    // BOM 3 + 'text,label\n' 11 + '€' 3 + 'uro ' 4 + U+FFFD 3 (valid, literal) + ' ok,' 4 = 28.
    expect(error.message).toContain(':2: invalid UTF-8 at byte offset 28');
    const onFirstLine = await failure(
      read(temp('.txt', Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x62, 0xff, 0x0a])), { encoding: 'utf-8' }),
    );
    expect(onFirstLine.message).toContain(':1: invalid UTF-8 at byte offset 5');
  });

  it('decodes valid multi-byte text split across stream chunks', async () => {
    const text = 'Näin käy — 東京 '.repeat(20_000);
    const data = await read(temp('.csv', `text,label\n"${text}",a\n`));
    expect(data.examples[0].text).toBe(text);
  });
});

describe('tsv', () => {
  it('reads GLUE-style files without quote processing', async () => {
    const file = temp('.tsv', 'sentence\tlabel\nit \'s a " charming " film . \t1\nbleak\t0\n');
    const data = await read(file, { textField: 'sentence', labelMap: { '0': 'negative', '1': 'positive' } });
    expect(data.format).toBe('tsv');
    expect(data.examples.map((e) => [e.text, e.labels[0]])).toEqual([
      ['it \'s a " charming " film . ', 'positive'],
      ['bleak', 'negative'],
    ]);
  });

  it('points at --format hoc when the columns are the BLUE ones', async () => {
    const error = await failure(read(temp('.tsv', 'labels\tsentence\tindex\n0_1\tx\t1_s0\n')));
    expect(error.hint).toContain('--format hoc');
  });
});

describe('hoc', () => {
  const content = [
    'labels\tsentence\tindex',
    '0_0,1_0,2_0,3_0,4_0,5_0,6_0,7_0,8_0,9_0\tNo hallmark here .\t100_s0',
    '0_1,1_0,2_0,3_0,4_0,5_0,6_0,7_1,8_0,9_0\tTwo hallmarks .\t100_s1',
    '0_0,1_0,2_0,3_0,4_0,5_0,6_0,7_0,8_0,9_1\tOne " quoted " hallmark .\t101_s0',
    '',
  ].join('\n');

  it('turns ID_1 items into labels, allows none, and is multi-label', async () => {
    const data = await read(temp('.tsv', content), { format: 'hoc', idField: 'index' });
    expect(data.multiLabel).toBe(true);
    expect(data.examples).toEqual([
      { id: '100_s0', line: 2, text: 'No hallmark here .', labels: [] },
      { id: '100_s1', line: 3, text: 'Two hallmarks .', labels: ['0', '7'] },
      { id: '101_s0', line: 4, text: 'One " quoted " hallmark .', labels: ['9'] },
    ]);
    expect(data.labelSet).toEqual(['0', '7', '9']);
  });

  it('reports a malformed label item with line and field', async () => {
    const file = temp('.tsv', 'labels\tsentence\tindex\n0_1,1_x\tBad .\t1_s0\n');
    const error = await failure(read(file, { format: 'hoc' }));
    expect(error.code).toBe('BAD_LABEL');
    expect(error.message).toContain(`${file}:2`);
    expect(error.message).toContain('field "labels"');
  });
});

describe('jsonl', () => {
  it('reads string, number and array labels; arrays make the data multi-label', async () => {
    const single = await read(temp('.jsonl', '{"text":"a","label":"x"}\n\n{"text":"b","label":3}\n'));
    expect(single.multiLabel).toBe(false);
    expect(single.examples.map((e) => [e.line, e.labels])).toEqual([
      [1, ['x']],
      [3, ['3']],
    ]);
    const multi = await read(
      temp('.ndjson', '{"text":"a","label":["x","y"]}\r\n{"text":"b","label":[]}\r\n{"text":"c","label":"z"}\r\n'),
    );
    expect(multi.format).toBe('jsonl');
    expect(multi.multiLabel).toBe(true);
    expect(multi.examples.map((e) => e.labels)).toEqual([['x', 'y'], [], ['z']]);
  });

  it('reports invalid JSON with file and line', async () => {
    const file = temp('.jsonl', '{"text":"a","label":"x"}\n{"text": "b", label: x}\n');
    const error = await failure(read(file));
    expect(error.code).toBe('INVALID_JSON');
    expect(error.message).toContain(`${file}:2`);
  });

  it('reports a non-string text naming the field and line', async () => {
    const file = temp('.jsonl', '{"body":"a","y":"x"}\n{"body":42,"y":"x"}\n');
    const error = await failure(read(file, { textField: 'body', labelField: 'y' }));
    expect(error.code).toBe('FIELD_TYPE');
    expect(error.message).toBe(`${file}:2, field "body": must be a string, got number 42`);
  });

  it('reports missing text fields and bad label types', async () => {
    const missing = await failure(read(temp('.jsonl', '{"label":"x"}\n')));
    expect(missing.message).toContain(':1, field "text": missing field');
    const badLabel = await failure(read(temp('.jsonl', '{"text":"a","label":{"k":1}}\n')));
    expect(badLabel.message).toContain('field "label"');
    const notObject = await failure(read(temp('.jsonl', '["text"]\n')));
    expect(notObject.message).toContain('expected a JSON object');
  });
});

describe('fpb', () => {
  it('splits on the last @ and decodes ISO-8859-1 files', async () => {
    const bytes = Buffer.concat([
      Buffer.from('Profit at Sepp'),
      Buffer.from([0xe4, 0x6c, 0xe4]),
      Buffer.from(' rose to EUR 5 mn .@positive\nContact: info@example.com is new .@neutral\r\n\n'),
    ]);
    const data = await read(temp('.txt', bytes));
    expect(data.format).toBe('fpb');
    expect(data.examples).toEqual([
      { id: '1', line: 1, text: 'Profit at Seppälä rose to EUR 5 mn .', labels: ['positive'] },
      { id: '2', line: 2, text: 'Contact: info@example.com is new .', labels: ['neutral'] },
    ]);
  });

  it('decodes UTF-8 files as UTF-8', async () => {
    const data = await read(temp('.txt', 'Profit at Seppälä rose .@positive\n'), { format: 'fpb' });
    expect(data.examples[0].text).toBe('Profit at Seppälä rose .');
  });

  it('reports a line without a label', async () => {
    const file = temp('.txt', 'Sales fell .@negative\nNo label at all\n');
    const error = await failure(read(file, { format: 'fpb' }));
    expect(error.code).toBe('MISSING_LABEL');
    expect(error.message).toContain(`${file}:2`);
    expect(error.message).toContain('field "label"');
  });
});

describe('trec', () => {
  const bytes = Buffer.concat([
    Buffer.from('DESC:manner How did serfdom develop ?\nLOC:city Which sister'),
    Buffer.from([0xf0]),
    Buffer.from('city is oldest ?\n'),
  ]);

  it('uses the coarse label, or coarse:fine with trecFine, in ISO-8859-1', async () => {
    const coarse = await read(temp('.label', bytes), { format: 'trec' });
    expect(coarse.examples).toEqual([
      { id: '1', line: 1, text: 'How did serfdom develop ?', labels: ['DESC'] },
      { id: '2', line: 2, text: 'Which sisterðcity is oldest ?', labels: ['LOC'] },
    ]);
    const fine = await read(temp('.label', bytes), { format: 'trec', trecFine: true });
    expect(fine.labelSet).toEqual(['DESC:manner', 'LOC:city']);
  });

  it('reports a line that is not "COARSE:fine question"', async () => {
    const file = temp('.label', 'DESC:manner How ?\njust a question ?\n');
    const error = await failure(read(file, { format: 'trec' }));
    expect(error.code).toBe('BAD_LINE');
    expect(error.message).toContain(`${file}:2`);
  });
});

describe('lines', () => {
  it('yields every line, blank ones too, without labels or CR', async () => {
    const data = await read(temp('.txt', 'first text\r\n\r\nthird text'));
    expect(data.format).toBe('lines');
    expect(data.examples).toEqual([
      { id: '1', line: 1, text: 'first text', labels: [] },
      { id: '2', line: 2, text: '', labels: [] },
      { id: '3', line: 3, text: 'third text', labels: [] },
    ]);
  });
});

describe('sources and formats', () => {
  it('refuses to guess an unknown extension or the format of stdin', () => {
    expect(() => readRecords(temp('.xlsx', 'x'))).toThrow(UsageError);
    expect(() => readRecords('-')).toThrow(/cannot infer the format of stdin/);
  });

  it('reads stdin when the source is "-"', () => {
    const script =
      "import { readDataset } from './src/data/index.ts'; const d = await readDataset('-', { format: 'tsv' }); console.log(JSON.stringify(d));";
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'),
      input: 'text\tlabel\nfrom stdin\tb\n',
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toMatchObject({
      file: '<stdin>',
      examples: [{ line: 2, text: 'from stdin', labels: ['b'] }],
    });
  });

  it('reports a missing file by name', async () => {
    const file = path.join(dir, 'does-not-exist.csv');
    const error = await failure(read(file));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toBe(`${file}: no such file`);
  });

  it('streams: a consumer can stop early on a large file', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `text number ${i},${i % 3}`).join('\n');
    const reader = readRecords(temp('.csv', `text,label\n${rows}\n`));
    const firstTwo = [];
    for await (const example of reader) {
      firstTwo.push(example.text);
      if (firstTwo.length === 2) break;
    }
    expect(firstTwo).toEqual(['text number 0', 'text number 1']);
  });
});

describe('format detection', () => {
  const notes = () => {
    const said: string[] = [];
    return { said, onNote: (message: string) => said.push(message) };
  };
  const labelled = 'text,label\nProfit rose,positive\nSales fell,negative\n';

  it('reads CSV saved as .txt as CSV, and says so in one note', async () => {
    const { said, onNote } = notes();
    const file = temp('.txt', labelled);
    const data = await read(file, { labelled: true, onNote });
    expect(data.format).toBe('csv');
    expect(data.examples.map((e) => [e.line, e.text, e.labels])).toEqual([
      [2, 'Profit rose', ['positive']],
      [3, 'Sales fell', ['negative']],
    ]);
    expect(said).toEqual([
      `${file}: read as CSV (its first line is a header with "text" and "label" columns); pass --format lines to read plain lines`,
    ]);
  });

  it('recognises tab, semicolon and pipe delimited .txt files, quoted fields and a prediction file with a text column only', async () => {
    expect((await read(temp('.txt', 'text\tlabel\nProfit rose\tpositive\n'), { labelled: true })).format).toBe('tsv');
    const semicolon = await read(temp('.txt', 'label;text\npositive;"Profit rose; sales too"\n'), { labelled: true });
    expect(semicolon.examples[0]).toMatchObject({ text: 'Profit rose; sales too', labels: ['positive'] });
    expect(
      (await read(temp('.txt', 'text|label\nProfit rose|positive\n'), { labelled: true })).examples[0].labels,
    ).toEqual(['positive']);
    const unlabelled = await read(temp('.txt', 'id,text\n7,"Profit rose, again"\n'), { labelled: false });
    expect(unlabelled.examples).toEqual([{ id: '2', line: 2, text: 'Profit rose, again', labels: [] }]);
  });

  it('refuses a .txt whose header looks delimited but whose rows do not fit it, when labels are needed', async () => {
    const file = temp('.txt', 'text,label\nProfit rose,positive\nProfit rose, sharply,positive\n');
    const error = await failure(read(file, { labelled: true }));
    expect(error.code).toBe('AMBIGUOUS_FORMAT');
    expect(error.message).toBe(
      `${file}:3: looks like CSV (its first line is a header with "text" and "label" columns), but line 3 has 3 fields, not 2`,
    );
    expect(error.hint).toContain('--format csv');
    // Read for prediction, the same file is plain lines: those need no labels.
    expect((await read(file, { labelled: false })).format).toBe('lines');
  });

  it('keeps plain sentences as lines, and refuses them when labels are asked for, naming the file', async () => {
    const file = temp('.txt', 'The text, as written\nAnother one, with, commas\n');
    expect((await read(file, { labelled: false })).examples.map((e) => e.text)).toEqual([
      'The text, as written',
      'Another one, with, commas',
    ]);
    const error = await failure(read(file, { labelled: true }));
    expect(error.code).toBe('UNLABELLED_DATA');
    expect(error.message).toBe(
      `${file}: plain lines (format "lines") carry no labels, and this command needs labelled data`,
    );
    expect(error.hint).toContain('--format csv');
    expect((await failure(read(file, { format: 'lines', labelled: true }))).code).toBe('UNLABELLED_DATA');
  });

  it('names the columns of a delimited .txt whose header has other names, in the hint', async () => {
    const file = temp('.txt', 'sentence;sentiment\nProfit rose;positive\nSales fell, sharply;negative\n');
    const error = await failure(read(file, { labelled: true }));
    expect(error.code).toBe('UNLABELLED_DATA');
    expect(error.hint).toBe(
      "it looks like semicolon-delimited CSV with the columns sentence, sentiment: pass --format csv --delimiter ';' with --text-field and --label-field naming the text and label columns",
    );
    const named = await read(file, { labelled: true, textField: 'sentence', labelField: 'sentiment' });
    expect(named.examples.map((e) => [e.text, e.labels[0]])).toEqual([
      ['Profit rose', 'positive'],
      ['Sales fell, sharply', 'negative'],
    ]);
  });

  it('reads csv with a given delimiter, and detects semicolons in a .csv header without commas', async () => {
    const semicolons = 'text;label\n"Profit rose, sharply";positive\nSales fell;negative\n';
    const given = await read(temp('.csv', semicolons), { delimiter: ';' });
    expect(given.examples.map((e) => [e.text, e.labels[0]])).toEqual([
      ['Profit rose, sharply', 'positive'],
      ['Sales fell', 'negative'],
    ]);
    const { said, onNote } = notes();
    const file = temp('.csv', semicolons);
    expect((await read(file, { onNote })).examples).toEqual(given.examples);
    expect(said).toEqual([
      `${file}: read with semicolon delimiters (its header has semicolons and no commas); pass --delimiter to choose another`,
    ]);
    // A header with a comma keeps the comma, and a quoted tab-delimited csv reads with its quotes.
    expect((await read(temp('.csv', 'text,label\na;b,c\n'))).examples[0]).toMatchObject({ text: 'a;b', labels: ['c'] });
    const tabs = await read(temp('.csv', 'text\tlabel\n"tab\tinside"\tx\n'), { delimiter: '\t' });
    expect(tabs.examples[0]).toMatchObject({ text: 'tab\tinside', labels: ['x'] });
  });

  it('does not read ahead of a pipe to look at its header', () => {
    const script =
      "import { readDataset } from './src/data/index.ts'; const d = await readDataset('/dev/stdin', { format: 'csv' }); console.log(JSON.stringify(d.examples));";
    // A shell pipe: a file path that is not a regular file (execFileSync's `input` is a socket, which /dev/stdin cannot open).
    const output = execFileSync(
      'sh',
      ['-c', `printf 'text,label\\nfrom a pipe,b\\n' | "$NODE" --import tsx --input-type=module -e "$SCRIPT"`],
      {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, NODE: process.execPath, SCRIPT: script },
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(output)).toMatchObject([{ line: 2, text: 'from a pipe', labels: ['b'] }]);
  });

  it('refuses a delimiter that is not one character, or one for a format without fields', async () => {
    for (const delimiter of ['', ';;', '"', '\n']) {
      expect(() => readRecords(temp('.csv', 'text,label\n'), { delimiter }), JSON.stringify(delimiter)).toThrow(
        expect.objectContaining({ code: 'BAD_DELIMITER' }),
      );
    }
    expect(() => readRecords(temp('.jsonl', '{}\n'), { delimiter: ';' })).toThrow(
      expect.objectContaining({ code: 'DELIMITER_FORMAT' }),
    );
    expect(() => readRecords(temp('.csv', 'text,label\n'), { delimiter: ';;' })).toThrow(UsageError);
  });
});
