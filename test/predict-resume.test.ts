import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OutputJournal } from '../src/predict/journal.js';
import { createRng } from '../src/util/random.js';
import { tempDir } from './helpers.js';
import { headstartAsync, headstartSync, trainModel, waitFor, writeInput } from './predict-helpers.js';

const root = tempDir('headstart-resume-');
const input = path.join(root, 'input.jsonl');
const ROWS = 20_000;
const BATCH = 250;
/** Each trial spawns the CLI twice; on a loaded machine that is slow. */
const TRIAL_TIMEOUT_MS = 60_000;
let model: string;
let reference: string;

function predictArgs(output: string, ...extra: string[]): string[] {
  return [
    'predict',
    '--model',
    model,
    '--input',
    input,
    '--id-field',
    'id',
    '--output',
    output,
    '--batch-size',
    String(BATCH),
    '--workers',
    '0',
    ...extra,
  ];
}

function committedRows(output: string): number {
  try {
    return JSON.parse(readFileSync(OutputJournal.progressPath(output), 'utf8')).rows;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  model = await trainModel('sentiment', root);
  await writeInput(input, ROWS);
  const output = path.join(root, 'reference.jsonl');
  const run = headstartSync(...predictArgs(output));
  expect(run.status).toBe(0);
  reference = readFileSync(output, 'utf8');
});

describe('predict --resume after SIGKILL', () => {
  it(
    'gives output byte-identical to an uninterrupted run, wherever the kill lands',
    async () => {
      const rng = createRng(42);
      for (let trial = 0; trial < 3; trial++) {
        const output = path.join(root, `killed-${trial}.jsonl`);
        // Kill once some rows are committed, a random few milliseconds later: mid-chunk, mid-write or mid-commit.
        const threshold = BATCH * (1 + Math.floor(rng() * (ROWS / BATCH / 2)));
        const run = headstartAsync(...predictArgs(output, '--resume'));
        await waitFor(() => committedRows(output) >= threshold, 60_000, `${threshold} committed rows`);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(rng() * 40)));
        run.child.kill('SIGKILL');
        await run.exited;
        const killedAt = committedRows(output);
        expect(killedAt, `trial ${trial}`).toBeLessThan(ROWS);
        expect(existsSync(output)).toBe(false);

        const resumed = headstartSync(...predictArgs(output, '--resume', '--json'));
        expect(resumed.stderr).not.toContain('headstart:');
        expect(resumed.lastJson()).toMatchObject({ rows: ROWS, resumedRows: killedAt });
        expect(readFileSync(output, 'utf8') === reference, `trial ${trial}: killed after ${killedAt} rows`).toBe(true);
        expect(existsSync(OutputJournal.partialPath(output))).toBe(false);
      }
    },
    3 * TRIAL_TIMEOUT_MS,
  );

  it('refuses to resume when --strict was added or dropped since the interrupted run', async () => {
    const output = path.join(root, 'strictness.jsonl');
    const run = headstartAsync(...predictArgs(output));
    await waitFor(() => committedRows(output) >= BATCH, 60_000, 'a committed chunk');
    run.child.kill('SIGKILL');
    await run.exited;
    const resumed = headstartSync(...predictArgs(output, '--resume', '--strict'));
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(
      /cannot resume .*strictness\.jsonl: the output or reading options \(.*--strict.*\) changed/,
    );
  });

  it('refuses to resume against a changed input', async () => {
    const output = path.join(root, 'changed.jsonl');
    const run = headstartAsync(...predictArgs(output));
    await waitFor(() => committedRows(output) >= BATCH, 60_000, 'a committed chunk');
    run.child.kill('SIGKILL');
    await run.exited;
    appendFileSync(input, `${JSON.stringify({ id: 'extra', text: 'One more row.' })}\n`);
    const resumed = headstartSync(...predictArgs(output, '--resume'));
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/cannot resume .*changed\.jsonl: the input file changed/);
  });
});
