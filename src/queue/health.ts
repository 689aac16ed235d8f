/**
 * Whether Redis is reachable, watched on a small client of its own: BullMQ's clients reconnect
 * silently (or log stack dumps when nothing listens to their 'error' events), so the coordinator
 * and the worker learn about outages here and say so, instead of waiting on a dead connection.
 */
import type { Redis } from 'ioredis';
import { EnvironmentError } from '../errors.js';
import { connectionFrom, redactedUrl } from './connection.js';

/** A PING that gets no answer in this long counts as an outage (a dead host sends no reset). */
const PING_TIMEOUT_MS = 5000;

/** `12 s`: durations in status lines. */
export function secondsText(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

export interface HealthEvents {
  onDown?(reason: string): void;
  onUp?(downForMs: number): void;
}

export class RedisHealth {
  readonly url: string;
  private readonly client: Redis;
  private downSince: number | undefined = Date.now();
  private lastError = 'not connected yet';
  private connectedOnce = false;
  private closed = false;

  constructor(
    url: string,
    RedisClient: typeof Redis,
    private readonly events: HealthEvents = {},
  ) {
    this.url = redactedUrl(url);
    this.client = new RedisClient({ ...connectionFrom(url), commandTimeout: PING_TIMEOUT_MS });
    // With a listener attached, ioredis no longer prints "[ioredis] Unhandled error event" stack dumps.
    this.client.on('error', (error: Error) => (this.lastError = error.message || String(error)));
    this.client.on('close', () => this.markDown(this.lastError));
    this.client.on('ready', () => this.markUp());
  }

  /**
   * Resolves once connected; rejects at the first connection error, or after `timeoutMs` without
   * an answer, so a coordinator pointed at the wrong place stops before it creates any output.
   */
  async firstConnection(timeoutMs: number): Promise<void> {
    if (this.connectedOnce) return;
    let timer: NodeJS.Timeout | undefined;
    let onError: ((error: Error) => void) | undefined;
    let onReady: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        onError = (error) => reject(error);
        timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs / 1000} s`)), timeoutMs);
        this.client.once('ready', onReady);
        this.client.once('error', onError);
      });
    } catch (cause) {
      throw new EnvironmentError(
        'QUEUE_UNREACHABLE',
        `cannot reach Redis at ${this.url}: ${(cause as Error).message}`,
        { cause, hint: 'start redis-server, or check --queue' },
      );
    } finally {
      clearTimeout(timer);
      if (onReady) this.client.off('ready', onReady);
      if (onError) this.client.off('error', onError);
    }
  }

  /** Waits for `ready` (other clients' connections to the same Redis) at most `timeoutMs`, then fails with QUEUE_UNREACHABLE. */
  async readyWithin(ready: Promise<unknown>, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new EnvironmentError(
              'QUEUE_UNREACHABLE',
              `cannot reach Redis at ${this.url}: no answer after ${secondsText(timeoutMs)}`,
              { hint: 'start redis-server, or check --queue' },
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** How long Redis has been unreachable (ms), or undefined while it is up. */
  downFor(): number | undefined {
    return this.downSince === undefined ? undefined : Date.now() - this.downSince;
  }

  get reason(): string {
    return this.lastError;
  }

  /** Pings Redis: catches a host that went away without closing the connection. */
  async check(): Promise<void> {
    if (this.closed || this.client.status !== 'ready') return;
    try {
      await this.client.ping();
      if (this.downSince !== undefined) this.markUp();
    } catch (error) {
      this.lastError = (error as Error).message;
      this.markDown(this.lastError);
    }
  }

  close(): void {
    this.closed = true;
    this.client.disconnect();
  }

  private markDown(reason: string): void {
    if (this.closed || this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.events.onDown?.(reason);
  }

  private markUp(): void {
    const downFor = this.downFor() ?? 0;
    this.downSince = undefined;
    const first = !this.connectedOnce;
    this.connectedOnce = true;
    if (!first) this.events.onUp?.(downFor);
  }
}
