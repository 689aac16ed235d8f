/** Redis connection settings for BullMQ from a `redis[s]://[user:password@]host[:port][/db]` URL, checked up front. */
import type { RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

/** Reconnect delay ceiling: short, so a restarted Redis is picked up within a second or so. */
const MAX_RECONNECT_DELAY_MS = 1000;

function invalid(url: string, why: string): UsageError {
  return new UsageError('QUEUE_URL_INVALID', `--queue "${url}": ${why}`, {
    hint: 'use redis://HOST:PORT or redis://HOST:PORT/DB (DB a number), rediss:// for TLS',
  });
}

/**
 * Options for every ioredis client headstart opens: reconnect forever (callers decide how long an
 * outage may last and say so), and queue commands while disconnected instead of failing them
 * after 20 retries (BullMQ's blocking connections require `maxRetriesPerRequest: null` anyway).
 */
export function connectionFrom(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, 'not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw invalid(url, `scheme "${parsed.protocol.slice(0, -1)}" is not redis or rediss`);
  if (!parsed.hostname) throw invalid(url, 'no host');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw invalid(url, `database "${decodeURIComponent(db)}" is not a number`);
  if (parsed.search || parsed.hash) throw invalid(url, 'query strings and fragments are not supported');
  // Fields are set only when present: ioredis's defaults must not be overwritten with undefined.
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
  };
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
