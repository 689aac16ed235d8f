/**
 * Where `--report` may write, checked before any model is loaded or row scored. A new path or a
 * regular file (replaced: naming an existing .html is asking for a fresh report) is accepted; a
 * directory, device, FIFO or socket is refused, and so is any input of the run (the data file,
 * the model directory or a file inside it). The page is written to an exclusive temporary sibling
 * and renamed over the target, so a reader never sees half a report.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError, environmentError } from '../errors.js';
import { writeFileAtomically } from '../util/index.js';

/** The resolved path to write (a symbolic link to a file is followed, and survives). */
export async function checkReportTarget(report: string, inputs: readonly string[]): Promise<string> {
  const stat = await fs.stat(report).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw environmentError(error, report);
  });
  if (!stat && (await fs.lstat(report).catch(() => undefined))) throw notAFile(report, 'is a symbolic link to nothing');
  if (stat?.isDirectory()) throw notAFile(report, 'is a directory');
  if (stat && !stat.isFile()) throw notAFile(report, 'is a device, FIFO or socket');
  const target = stat
    ? await fs.realpath(report)
    : path.join(await fs.realpath(await existingDirectory(report)), path.basename(report));
  for (const input of inputs) {
    const real = await fs.realpath(input).catch(() => path.resolve(input));
    if (target === real || target.startsWith(real + path.sep)) {
      throw new UsageError(
        'REPORT_IS_INPUT',
        `--report ${report} is ${target === real ? '' : 'inside '}${input}, an input of this run: the report would replace it`,
        {
          hint: 'write the report to another file, e.g. report.html',
        },
      );
    }
  }
  await fs.access(path.dirname(target), constants.W_OK).catch((error: unknown) => {
    throw environmentError(error, path.dirname(target));
  });
  return target;
}

/** Writes `html` to `target` through an exclusive temporary sibling renamed over it. */
export async function writeReport(target: string, html: string): Promise<void> {
  await writeFileAtomically(target, html);
}

async function existingDirectory(report: string): Promise<string> {
  const dir = path.dirname(path.resolve(report));
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new UsageError('REPORT_DIR_MISSING', `cannot write --report ${report}: directory ${dir} does not exist`, {
      hint: 'create the directory first, or fix the path',
    });
  }
  return dir;
}

function notAFile(report: string, what: string): UsageError {
  return new UsageError('REPORT_NOT_FILE', `--report ${report} ${what}`, {
    hint: 'give a new path or an existing regular file, e.g. report.html',
  });
}
