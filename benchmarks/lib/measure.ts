/** Wall-clock timing, latency percentiles and peak resident memory for the benchmarks. */

export async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

const MB = 1024 * 1024;
const SAMPLE_MS = 10;

/**
 * Peak RSS over a phase. An interval samples process.memoryUsage().rss whenever the event loop
 * is free (awaits on onnxruntime, timers); `sample()` is also called from synchronous loops so
 * long CPU-bound stretches are not missed. The whole-process high-water mark is
 * process.resourceUsage().maxRSS, which cannot be reset, so per-phase peaks need the sampler.
 */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  /** Stops sampling; returns the peak in MB. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return round(this.peak / MB, 1);
  }
}

/** The process-wide high-water mark of resident memory, in MB. */
export function processMaxRssMb(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/** Runs `work` with a fresh sampler; returns its value, seconds and peak RSS in MB. */
export async function measured<T>(
  work: (sampler: RssSampler) => Promise<T> | T,
): Promise<{ value: T; seconds: number; peakRssMb: number }> {
  const sampler = new RssSampler();
  try {
    const { value, seconds } = await timed(() => work(sampler));
    return { value, seconds, peakRssMb: sampler.stop() };
  } catch (error) {
    sampler.stop();
    throw error;
  }
}
