/** Redis connection settings for BullMQ from a `redis://[user:password@]host:port[/db]` URL. */
import type { ConnectionOptions } from 'bullmq';
import { UsageError } from '../errors.js';

/** `retries`: reconnect attempts before giving up (default: forever, as long-running workers want). */
export function connectionFrom(url: string, retries?: number): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('QUEUE_URL_INVALID', `--queue "${url}" is not a URL`, { hint: 'use redis://HOST:PORT' });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError('QUEUE_URL_INVALID', `--queue "${url}" is not a redis:// URL`, { hint: 'use redis://HOST:PORT' });
  }
  // Fields are set only when present: ioredis's defaults must not be overwritten with undefined.
  const options: ConnectionOptions = {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // Only when asked; ioredis's own strategy reconnects forever, as long-running workers want.
    ...(retries === undefined ? {} : { retryStrategy: (attempt: number) => (attempt > retries ? null : 200 * attempt) }),
  };
  return options;
}
