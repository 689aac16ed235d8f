/**
 * Download and cache-hit times of the opt-in hub download, against the local stand-in hub on
 * 127.0.0.1 (test/fixtures/hub-server.ts; no machine here reaches huggingface.co, so these times are
 * the client's own cost: requests, hashing, fsync, placement, not a network's).
 *
 *   npx tsx benchmarks/hub-download.ts [--repeats N]
 *
 * For the packaged potion-base-4m-int8 files (served as a Model2Vec repository) and the tiny BERT
 * fixture (an ONNX repository), N times each (default 5, after one warm-up): the download into an
 * empty cache (fetch, verify, place; no encoder loaded), then, with the server stopped, loading the
 * encoder from the cache (sha256 check of every file included) and, for comparison, from a plain
 * local folder (no check). Writes benchmarks/results/hub-download.{json,md}.
 */
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoder } from '../src/encoders/index.js';
import { downloadHubModel } from '../src/encoders/transformer/hub-model.js';
import { TINY_BERT_DIR } from '../test/fixtures/generate-bert.js';
import { startHubServer } from '../test/fixtures/hub-server.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { percentile, round, timed } from './lib/measure.js';
import { defaultResultsDir, repoRoot, table, writeResult } from './lib/output.js';

const SUBJECTS = [
  {
    repo: 'minishlab/potion-base-4m-int8',
    kind: 'Model2Vec (static)',
    dir: path.join(repoRoot, 'models/potion-base-4m-int8'),
    files: ['config.json', 'tokenizer.json', 'model.safetensors'],
  },
  {
    repo: 'headstart/tiny-bert',
    kind: 'ONNX transformer (fp32)',
    dir: TINY_BERT_DIR,
    files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
  },
] as const;

interface SubjectResult {
  repo: string;
  kind: string;
  files: number;
  bytes: number;
  downloadSeconds: number[];
  cacheHitLoadSeconds: number[];
  localLoadSeconds: number[];
}

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } });
const repeats = Number(values.repeats);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'headstart-bench-hub-'));
const machine = await describeMachine();
const results: SubjectResult[] = [];
try {
  for (const subject of SUBJECTS) {
    const result: SubjectResult = {
      repo: subject.repo,
      kind: subject.kind,
      files: subject.files.length,
      bytes: subject.files.reduce((sum, file) => sum + statSync(path.join(subject.dir, file)).size, 0),
      downloadSeconds: [],
      cacheHitLoadSeconds: [],
      localLoadSeconds: [],
    };
    const local = path.join(scratch, 'local', subject.repo);
    cpSync(subject.dir, local, { recursive: true });
    for (let run = 0; run <= repeats; run++) {
      const cache = path.join(scratch, `cache-${run}`);
      rmSync(cache, { recursive: true, force: true });
      const server = await startHubServer({ [subject.repo]: subject.dir });
      const env = { ...process.env, HEADSTART_HUB_URL: server.url, HEADSTART_CACHE: cache };
      const download = await timed(() => downloadHubModel(subject.repo, 'auto', { allowDownload: true, env }));
      await server.close();
      Object.assign(process.env, { HEADSTART_HUB_URL: server.url, HEADSTART_CACHE: cache });
      const cacheHit = await timed(() => createEncoder(`hf:${subject.repo}`));
      await cacheHit.value.dispose();
      const plain = await timed(() => createEncoder(local));
      await plain.value.dispose();
      if (run === 0) continue; // warm-up: module loading and first-call costs
      result.downloadSeconds.push(download.seconds);
      result.cacheHitLoadSeconds.push(cacheHit.seconds);
      result.localLoadSeconds.push(plain.seconds);
    }
    results.push(result);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const ms = (seconds: number) => round(seconds * 1000, 1);
const median = (values: number[]) => percentile(values, 50);
const rows = results.map((r) => [
  r.repo,
  r.kind,
  r.files,
  round(r.bytes / 1e6, 2),
  ms(median(r.downloadSeconds)),
  round(r.bytes / 1e6 / median(r.downloadSeconds), 1),
  ms(median(r.cacheHitLoadSeconds)),
  ms(median(r.localLoadSeconds)),
]);
const markdown = [
  '# Hub download',
  '',
  machineLine(machine),
  '',
  `Against the local stand-in hub on 127.0.0.1 (test/fixtures/hub-server.ts), ${repeats} runs each after one warm-up, medians. ` +
    'Download = into an empty cache: per file a size/ETag probe and the transfer through @huggingface/hub, sha256 (and git blob sha1) check, fsync, then the folder renamed into place; no encoder loaded. ' +
    'Cache hit = loading the encoder from the cache with the server stopped, the sha256 of every file checked against headstart-download.json. ' +
    'Plain folder = the same files loaded from an ordinary model folder (no check), for comparison. Over a real network the transfer dominates the download time.',
  '',
  table(
    [
      'repository (stand-in)',
      'kind',
      'files',
      'MB',
      'download ms',
      'MB/s',
      'cache-hit load ms',
      'plain-folder load ms',
    ],
    rows,
    [false, false, true, true, true, true, true, true],
  ),
  '',
].join('\n');
writeResult(defaultResultsDir, 'hub-download', { machine, repeats, results }, markdown);
process.stdout.write(markdown);
