#!/usr/bin/env node
/** The `headstart` command line: train | predict | eval | cv | distill | export | worker | serve. */
import { Command, CommanderError } from 'commander';
import { LIBRARY_VERSION } from '../version.js';
import { registerCv } from './commands/cv.js';
import { registerDistill } from './commands/distill.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerPredict } from './commands/predict.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { registerWorker } from './commands/worker.js';
import { interruptedAbnormally, interruptSignal } from './interrupt.js';
import { EXIT_CODES, reportError } from './output.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('headstart')
    .description('Transfer-learning text classification: pretrained sentence encoders + small TensorFlow.js heads.')
    .version(LIBRARY_VERSION)
    .option('--debug', 'print stack traces on errors')
    // A usage error is one line plus where to read more: the whole help would push it off screen.
    .configureOutput({ outputError: (message, write) => write(`headstart: ${message}`) })
    .showHelpAfterError('see headstart --help')
    .exitOverride();
  registerTrain(program);
  registerPredict(program);
  registerEval(program);
  registerCv(program);
  registerDistill(program);
  registerExport(program);
  registerWorker(program);
  registerServe(program);
  // Subcommands copied the settings above when they were added; each points at its own help.
  for (const command of program.commands) command.showHelpAfterError(`see headstart ${command.name()} --help`);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const interrupted = interruptSignal();
  try {
    await program.parseAsync(argv);
    // A command that finished its work after the signal still reports the interruption.
    if (interruptedAbnormally()) interrupted.throwIfAborted();
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
    return reportError(error, argv.includes('--debug'));
  }
}

process.exitCode = await main(process.argv);
