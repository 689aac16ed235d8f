#!/usr/bin/env node
/** The `headstart` command line: train | predict | eval | cv | distill | export | worker | serve. */
import { Command, CommanderError } from 'commander';
import { LIBRARY_VERSION } from '../version.js';
import { interruptedAbnormally, interruptSignal } from './interrupt.js';
import { EXIT_CODES, reportError } from './output.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when needed: a run loads the one command it names, so `predict`
 * does not pay for the modules of train, export, serve... (issue 23: start-up). Help and unknown
 * commands load them all. In help's order.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  train: async () => (await import('./commands/train.js')).registerTrain,
  predict: async () => (await import('./commands/predict.js')).registerPredict,
  eval: async () => (await import('./commands/eval.js')).registerEval,
  cv: async () => (await import('./commands/cv.js')).registerCv,
  distill: async () => (await import('./commands/distill.js')).registerDistill,
  export: async () => (await import('./commands/export.js')).registerExport,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
  serve: async () => (await import('./commands/serve.js')).registerServe,
};

/** The program with the commands `argv` needs: the one it names, or all of them. */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command()
    .name('headstart')
    .description('Transfer-learning text classification: pretrained sentence encoders + small TensorFlow.js heads.')
    .version(LIBRARY_VERSION)
    .option('--debug', 'print stack traces on errors')
    // A usage error is one line plus where to read more: the whole help would push it off screen.
    .configureOutput({ outputError: (message, write) => write(`headstart: ${message}`) })
    .showHelpAfterError('see headstart --help')
    .exitOverride();
  const named = commandNamed(argv);
  const loaders = named ? [COMMANDS[named]!] : Object.values(COMMANDS);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
  // Subcommands copied the settings above when they were added; each points at its own help.
  for (const command of program.commands) command.showHelpAfterError(`see headstart ${command.name()} --help`);
  return program;
}

/** The command the first operand names (the program's own options, --debug and --version, take no value). */
function commandNamed(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const interrupted = interruptSignal();
  try {
    const program = await buildProgram(argv);
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
