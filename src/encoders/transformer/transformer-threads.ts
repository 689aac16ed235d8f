/**
 * The default ONNX Runtime intra-op thread count: physical cores, because hyper-threads share the
 * vector units that the matrix kernels saturate.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function physicalCoreCount(): number {
  const usable = os.availableParallelism();
  const cores = new Set<string>();
  try {
    // /proc/cpuinfo lists logical CPUs; a (physical id, core id) pair is one physical core.
    for (const block of readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')) {
      const socket = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (socket !== undefined && core !== undefined) cores.add(`${socket}:${core}`);
    }
  } catch {
    // Not Linux: fall back to the logical count.
  }
  return Math.max(1, Math.min(usable, cores.size || usable));
}
