/**
 * Progress on stderr for work that takes more than a second: a cli-progress bar on a terminal,
 * a plain line every few seconds otherwise (logs, CI). Nothing for short work.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(count?: number): void;
  stop(): void;
}

const SHOW_AFTER_MS = 1000;
const LOG_EVERY_MS = 5000;

export function createProgress(label: string, total: number | undefined, unit = 'rows'): Progress {
  const started = Date.now();
  let done = 0;
  let bar: cliProgress.SingleBar | undefined;
  let lastLog = started;
  const interactive = process.stderr.isTTY === true;

  return {
    tick(count = 1) {
      done += count;
      const now = Date.now();
      if (now - started < SHOW_AFTER_MS) return;
      const rate = done / ((now - started) / 1000);
      if (interactive) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `${label} |{bar}| {value}${total ? '/{total}' : ''} ${unit} | {rate}/s | ETA {eta_formatted}`,
              hideCursor: true,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total ?? 0, done, { rate: rate.toFixed(0) });
        }
        bar.update(done, { rate: rate.toFixed(0) });
      } else if (now - lastLog >= LOG_EVERY_MS) {
        lastLog = now;
        const eta = total ? ` ETA ${Math.max(0, (total - done) / rate).toFixed(0)}s` : '';
        process.stderr.write(`${label}: ${done}${total ? `/${total}` : ''} ${unit} (${rate.toFixed(0)}/s)${eta}\n`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
