/**
 * Progress of a long training run (the auto recipe) on stderr: which member is training, its epoch
 * (or L-BFGS iteration) of the most it may take, and the time spent (against the budget, when one
 * is given). On a
 * terminal one cli-progress line redrawn in place; otherwise (logs, CI) a plain line at each new
 * member and at most one per interval between, the interval from HEADSTART_PROGRESS_INTERVAL_MS
 * (default 2 s). It only reads what training reports.
 */
import cliProgress from 'cli-progress';
import type { FitProgress } from '../fit-progress.js';
import { info } from './output.js';

export const PROGRESS_INTERVAL_ENV = 'HEADSTART_PROGRESS_INTERVAL_MS';
const DEFAULT_INTERVAL_MS = 2000;

export interface TrainingProgress {
  /** A stage of the recipe, or any other message: printed at once, as a line of its own. */
  stage(message: string): void;
  update(progress: FitProgress): void;
  /** Starts the clock again, e.g. for each cross-validation fold, and prefixes lines with `label`. */
  restart(label: string): void;
  stop(): void;
}

export function createTrainingProgress(
  budgetSeconds: number | undefined,
  intervalMs = intervalFromEnv(),
): TrainingProgress {
  let started = performance.now();
  let label = '';
  let current: FitProgress | undefined;
  let lastLine = 0;
  let bar: cliProgress.SingleBar | undefined;
  const interactive = process.stderr.isTTY === true;

  const describe = (p: FitProgress): string => {
    const step =
      p.epoch === 0
        ? 'starting'
        : `${p.refit ? 'refit on all rows, ' : ''}${p.unit} ${p.epoch}${p.maxEpochs !== undefined && !p.refit ? `/${p.maxEpochs}` : ''}`;
    return `${label}training ${p.name} (member ${p.member + 1}/${p.members}): ${step}`;
  };
  const clock = (): string => {
    const elapsed = (performance.now() - started) / 1000;
    if (budgetSeconds === undefined) return `${elapsed.toFixed(0)} s`;
    return `${elapsed.toFixed(0)} s of the ${budgetSeconds} s budget (${Math.max(0, budgetSeconds - elapsed).toFixed(0)} s left)`;
  };
  const print = () => {
    if (!current) return;
    lastLine = performance.now();
    if (!interactive) {
      info(`${describe(current)}, ${clock()}`);
      return;
    }
    bar ??= new cliProgress.SingleBar(
      { stream: process.stderr, format: '{status} |{bar}| {clock}', hideCursor: true, linewrap: false, barsize: 20 },
      cliProgress.Presets.shades_classic,
    );
    const total = current.refit ? current.epoch : (current.maxEpochs ?? 1);
    const payload = { status: describe(current), clock: clock() };
    if (!bar.isActive) {
      bar.start(total, current.epoch, payload);
      return;
    }
    bar.setTotal(total);
    bar.update(current.epoch, payload);
  };
  const clearBar = () => {
    if (bar?.isActive) bar.stop();
  };
  // Between epochs too (embedding, a long epoch), as long as training lets the event loop run.
  const timer = setInterval(() => {
    if (performance.now() - lastLine >= intervalMs) print();
  }, intervalMs);
  timer.unref();

  return {
    stage(message) {
      clearBar();
      info(`${label}${message}`);
    },
    update(progress) {
      // A member starting (epoch 0) or its refit starting is always shown.
      const changed = progress.epoch === 0 || progress.refit !== current?.refit;
      current = progress;
      if (changed || performance.now() - lastLine >= intervalMs) print();
    },
    restart(next) {
      clearBar();
      started = performance.now();
      label = `${next}: `;
      current = undefined;
    },
    stop() {
      clearInterval(timer);
      clearBar();
    },
  };
}

function intervalFromEnv(): number {
  const value = Number(process.env[PROGRESS_INTERVAL_ENV]);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_INTERVAL_MS;
}
