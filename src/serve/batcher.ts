/**
 * Dynamic micro-batching, as text-embeddings-inference does it: requests for one model queue up;
 * a batch takes queued texts up to `maxBatch` as soon as the model (or a worker thread) is free and either `maxWaitMs`
 * has passed since the oldest queued request or the queue holds a full batch. Requests that arrive
 * while a batch runs wait for free, so under load batches fill without any added delay. Each
 * request gets its own slice of the batch's results, in order. A request is never split.
 */
export interface BatchSettings {
  /** Texts per batch (a larger request runs as a batch of its own). */
  maxBatch: number;
  /** How long a request may wait for others to join its batch while the model is idle. */
  maxWaitMs: number;
  /** Batches that may run at once (one per worker thread; 1 on the main thread). */
  parallelism?: number;
}

interface Waiting<R> {
  texts: readonly string[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

export class MicroBatcher<R> {
  private readonly queue: Waiting<R>[] = [];
  private queuedTexts = 0;
  private running = 0;
  private cancelWait: (() => void) | undefined;

  constructor(
    private readonly classify: (texts: readonly string[]) => Promise<R[]>,
    private readonly settings: BatchSettings,
    /** Called with the size of each batch classified. */
    private readonly onBatch: (texts: number) => void = () => undefined,
  ) {}

  submit(texts: readonly string[]): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      this.queuedTexts += texts.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running >= (this.settings.parallelism ?? 1) || this.queue.length === 0) return;
    if (this.queuedTexts >= this.settings.maxBatch) {
      this.start();
      return;
    }
    this.cancelWait ??= this.wait(() => this.start());
  }

  /** setImmediate for no wait (setTimeout would wait at least 1 ms): requests read in the same turn of the event loop still join. */
  private wait(then: () => void): () => void {
    if (this.settings.maxWaitMs <= 0) {
      const immediate = setImmediate(then);
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(then, this.settings.maxWaitMs);
    return () => clearTimeout(timer);
  }

  private start(): void {
    this.cancelWait?.();
    this.cancelWait = undefined;
    const batch = this.take();
    this.running++;
    void this.run(batch).finally(() => {
      this.running--;
      // Whatever queued meanwhile has already waited: it starts at once.
      if (this.queue.length > 0) this.start();
    });
    // Another free runner takes what is left at once.
    if (this.queue.length > 0) this.schedule();
  }

  private take(): Waiting<R>[] {
    const first = this.queue.shift()!;
    const batch = [first];
    let texts = first.texts.length;
    for (let next = this.queue[0]; next && texts + next.texts.length <= this.settings.maxBatch; next = this.queue[0]) {
      texts += next.texts.length;
      batch.push(next);
      this.queue.shift();
    }
    this.queuedTexts -= texts;
    return batch;
  }

  private async run(batch: Waiting<R>[]): Promise<void> {
    const texts = batch.flatMap((request) => request.texts);
    try {
      const results = await this.classify(texts);
      this.onBatch(texts.length);
      let offset = 0;
      for (const request of batch) {
        request.resolve(results.slice(offset, offset + request.texts.length));
        offset += request.texts.length;
      }
    } catch (error) {
      for (const request of batch) request.reject(error);
    }
  }
}
