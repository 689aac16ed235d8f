/**
 * BullMQ (and ioredis, which it brings) are optional peer dependencies: loaded only when a queue is
 * used, BullMQ first so that a missing install names the package to add.
 */
import { importOptional } from '../util/index.js';

export interface QueuePackages {
  bullmq: typeof import('bullmq');
  Redis: typeof import('ioredis').Redis;
}

export async function loadQueuePackages(feature: string): Promise<QueuePackages> {
  const bullmq = await importOptional<typeof import('bullmq')>('bullmq', feature);
  const { Redis } = await importOptional<typeof import('ioredis')>('ioredis', feature);
  return { bullmq, Redis };
}
