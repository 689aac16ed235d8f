/** What a result was measured on: machine, library versions, date. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadTf, tfBackendName } from '../../src/backend/tf.js';
import { physicalCoreCount } from '../../src/encoders/transformer/transformer-threads.js';
import { LIBRARY_VERSION } from '../../src/version.js';
import { round } from './measure.js';

export interface MachineInfo {
  date: string;
  cpuModel: string;
  logicalCpus: number;
  physicalCores: number;
  ramGb: number;
  platform: string;
  /** 1-minute load average when the run started: above the core count, other processes competed. */
  loadAverage: number;
  versions: {
    node: string;
    headstart: string;
    onnxruntimeNode: string;
    transformersJs: string;
    tfjs: string;
    tfBackend: string;
  };
}

const require = createRequire(import.meta.url);

/** Reads the package.json above the module's entry point (some packages do not export ./package.json). */
function packageVersion(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (dir !== path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (manifest.name === name) return manifest.version;
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

export async function describeMachine(): Promise<MachineInfo> {
  await loadTf();
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCpus: os.availableParallelism(),
    physicalCores: physicalCoreCount(),
    ramGb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: round(os.loadavg()[0], 2),
    versions: {
      node: process.version,
      headstart: LIBRARY_VERSION,
      onnxruntimeNode: packageVersion('onnxruntime-node'),
      transformersJs: packageVersion('@huggingface/transformers'),
      tfjs: packageVersion('@tensorflow/tfjs-core'),
      tfBackend: tfBackendName() ?? 'unknown',
    },
  };
}

export function machineLine(m: MachineInfo): string {
  const v = m.versions;
  return (
    `${m.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cpuModel}, ${m.physicalCores} physical cores / ${m.logicalCpus} logical, ${m.ramGb} GB RAM, ${m.platform}, ` +
    `load average ${m.loadAverage} at start · node ${v.node}, headstart ${v.headstart}, onnxruntime-node ${v.onnxruntimeNode}, ` +
    `@huggingface/transformers ${v.transformersJs}, tfjs ${v.tfjs} (${v.tfBackend} backend)`
  );
}
