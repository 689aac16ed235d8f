/**
 * The ONNX side of benchmarks/export-throughput.ts, run as its own process as `headstart predict`
 * is: read JSONL, tokenise as headstart-onnx.json says (@huggingface/tokenizers), run the exported
 * graph with onnxruntime-node in padded batches, write one JSONL line per row (id, label, score).
 * Prints one JSON summary line: seconds from the session being created to the output written, and
 * how they split between reading, tokenising, the graph and writing.
 *
 *   node --import tsx benchmarks/lib/onnx-predict.ts MODEL.onnx INPUT.jsonl OUTPUT.jsonl BATCH THREADS
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import ort from 'onnxruntime-node';
import { openExport, tokenIds } from '../../test/onnx-helpers.js';

const [modelFile, input, output, batchArg, threadsArg] = process.argv.slice(2);
const batch = Number(batchArg);
const threads = Number(threadsArg);
const model = await openExport(modelFile, threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {});
const { labels, inputs, tokenizer: recipe } = model.sidecar;
const started = performance.now();
const times = { read: 0, tokenize: 0, graph: 0, write: 0 };
let mark = started;
const lap = (stage: keyof typeof times) => {
  const now = performance.now();
  times[stage] += (now - mark) / 1000;
  mark = now;
};

const rows: { id: string; text: string }[] = [];
for await (const line of createInterface({ input: createReadStream(input), crlfDelay: Infinity }))
  if (line) rows.push(JSON.parse(line));
lap('read');
const lines: string[] = [];
for (let start = 0; start < rows.length; start += batch) {
  const chunk = rows.slice(start, start + batch);
  const ids = chunk.map((row) => tokenIds(model, row.text));
  const length = Math.max(1, ...ids.map((row) => row.length));
  const flat = new BigInt64Array(chunk.length * length).fill(BigInt(recipe.padId));
  const mask = new BigInt64Array(chunk.length * length);
  ids.forEach((row, i) =>
    row.forEach((id, j) => {
      flat[i * length + j] = BigInt(id);
      mask[i * length + j] = 1n;
    }),
  );
  lap('tokenize');
  const result = await model.session.run({
    [inputs.ids]: new ort.Tensor('int64', flat, [chunk.length, length]),
    [inputs.mask]: new ort.Tensor('int64', mask, [chunk.length, length]),
  });
  const probabilities = result[model.sidecar.output].data as Float32Array;
  lap('graph');
  chunk.forEach((row, i) => {
    let best = 0;
    for (let j = 1; j < labels.length; j++)
      if (probabilities[i * labels.length + j] > probabilities[i * labels.length + best]) best = j;
    lines.push(JSON.stringify({ id: row.id, label: labels[best], score: probabilities[i * labels.length + best] }));
  });
  lap('write');
}
writeFileSync(output, `${lines.join('\n')}\n`);
lap('write');
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ rows: rows.length, seconds, rowsPerSecond: rows.length / seconds, times, cpuSeconds: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
