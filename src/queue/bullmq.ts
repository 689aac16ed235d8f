/** BullMQ is an optional peer dependency: loaded only when a queue is used. */
import { importOptional } from '../util/optional-package.js';

export function loadBullmq(feature: string): Promise<typeof import('bullmq')> {
  return importOptional('bullmq', feature);
}
