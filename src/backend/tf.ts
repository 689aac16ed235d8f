/**
 * Chooses the TensorFlow.js runtime once per process: the native `@tensorflow/tfjs-node` binding when
 * it is installed (an optional peer dependency), else the WebAssembly backend, else plain JavaScript
 * ('cpu'). `HEADSTART_TF_BACKEND=tensorflow|wasm|cpu` forces one. Every module gets `tf` from here so
 * that all tensors live in one engine.
 *
 * Without tfjs-node, `tf` is assembled from the parts headstart uses (tfjs-core, tfjs-layers, the cpu
 * and wasm backends) rather than the @tensorflow/tfjs umbrella, which adds WebGL, the graph-model
 * converter and tfjs-data: about 200 MB installed.
 */
import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';

export type Tf = typeof import('@tensorflow/tfjs-core') & typeof import('@tensorflow/tfjs-layers');
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

const BACKEND_ENV = 'HEADSTART_TF_BACKEND';
const BACKENDS: readonly TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];
// A variable specifier keeps TypeScript from requiring the optional package's types.
const TFJS_NODE: string = '@tensorflow/tfjs-node';

/**
 * TensorFlow.js's Node builds are CommonJS. `import()` of CommonJS first has Node scan each file's
 * whole source for its export names (~3.5 MB for the four packages); `require` skips that: loading
 * them took ~270 ms CPU through `import()` and ~55 ms through `require` (issue 23: start-up).
 */
const nodeRequire = createRequire(import.meta.url);

let loading: Promise<Tf> | undefined;
let chosen: TfBackendName | undefined;

/** The TensorFlow.js module with its backend ready. Memoised: later calls return the same module. */
export function loadTf(): Promise<Tf> {
  loading ??= selectRuntime().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** The backend `loadTf` settled on, or undefined before it has resolved. */
export function tfBackendName(): TfBackendName | undefined {
  return chosen;
}

async function selectRuntime(): Promise<Tf> {
  const forced = forcedBackend();
  if (forced === undefined || forced === 'tensorflow') {
    const native = await importNative(forced === 'tensorflow');
    if (native) return settle(native, 'tensorflow');
  }
  const tf = await importJsRuntime();
  if (forced === 'cpu') return useCpu(tf);
  const wasmError = await tryWasm(tf);
  if (wasmError === undefined) return settle(tf, 'wasm');
  if (forced === 'wasm') {
    throw new UsageError(
      'TF_BACKEND_UNAVAILABLE',
      `${BACKEND_ENV}=wasm but the WebAssembly backend failed to start: ${wasmError}`,
      {
        hint: `unset ${BACKEND_ENV} or set it to cpu`,
      },
    );
  }
  process.stderr.write(
    `headstart: TensorFlow.js WebAssembly backend unavailable (${wasmError}); using the slower 'cpu' backend\n`,
  );
  return useCpu(tf);
}

function forcedBackend(): TfBackendName | undefined {
  const value = process.env[BACKEND_ENV]?.trim();
  if (!value) return undefined;
  if ((BACKENDS as readonly string[]).includes(value)) return value as TfBackendName;
  throw new UsageError('TF_BACKEND_UNKNOWN', `${BACKEND_ENV}="${value}" is not a TensorFlow.js backend`, {
    hint: `use one of: ${BACKENDS.join(', ')}`,
  });
}

async function importNative(required: boolean): Promise<Tf | undefined> {
  // Resolve first: "not installed" is the normal case and must stay silent under any loader (Vite's
  // resolver, which vitest uses, reports a missing package without Node's ERR_MODULE_NOT_FOUND code).
  if (!required && !isInstalled(TFJS_NODE)) return undefined;
  try {
    return (await import(TFJS_NODE)) as Tf;
  } catch (error) {
    if (required) {
      throw new UsageError(
        'TF_BACKEND_UNAVAILABLE',
        `${BACKEND_ENV}=tensorflow but ${TFJS_NODE} cannot be loaded: ${message(error)}`,
        {
          hint: `npm install ${TFJS_NODE}, or unset ${BACKEND_ENV}`,
          cause: error,
        },
      );
    }
    if (!isModuleNotFound(error)) {
      process.stderr.write(
        `headstart: ${TFJS_NODE} is installed but failed to load (${message(error)}); falling back\n`,
      );
    }
    return undefined;
  }
}

/**
 * What `import('@tensorflow/tfjs')` gives, in the order the umbrella's Node build loads it, minus the
 * parts headstart does not use; the backend is loaded by the one chosen (the cpu backend only when used).
 */
async function importJsRuntime(): Promise<Tf> {
  const core = nodeRequire('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
  const layers = nodeRequire('@tensorflow/tfjs-layers') as typeof import('@tensorflow/tfjs-layers');
  // Op gradients and chained tensor methods, which tfjs-core's Node build leaves out (scripts/bundle-tf-registrations.mjs).
  await import('./tf-registrations.js');
  // The two export no common names; core first, as in the umbrella.
  return { ...layers, ...core };
}

/** Returns undefined on success, else why the backend could not start. */
async function tryWasm(tf: Tf): Promise<string | undefined> {
  const restoreProcessHandlers = keepProcessHandlers();
  try {
    // In Node the package finds its .wasm binaries next to its own dist files; no setWasmPaths needed.
    nodeRequire('@tensorflow/tfjs-backend-wasm');
    return (await tf.setBackend('wasm')) ? undefined : 'setBackend returned false';
  } catch (error) {
    return message(error);
  } finally {
    restoreProcessHandlers();
  }
}

/**
 * The Emscripten glue of the WASM backend installs process-wide 'uncaughtException' and
 * 'unhandledRejection' handlers that rethrow, so any later crash prints its whole minified source.
 * A library must not own those events: the returned function removes handlers added since the call.
 */
function keepProcessHandlers(): () => void {
  const before = new Set<unknown>([
    ...process.listeners('uncaughtException'),
    ...process.listeners('unhandledRejection'),
  ]);
  return () => {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  };
}

async function useCpu(tf: Tf): Promise<Tf> {
  nodeRequire('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  // The cpu backend prints a "Hi there, install tfjs-node" banner on its first tensor; tfjs silences
  // its warnings in PROD mode, so take that first write with PROD on, then put the flag back.
  const prod = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  tf.tensor1d([0]).dispose();
  tf.env().set('PROD', prod);
  return settle(tf, 'cpu');
}

async function settle(tf: Tf, name: TfBackendName): Promise<Tf> {
  await tf.ready();
  chosen = name;
  return tf;
}

function isInstalled(specifier: string): boolean {
  try {
    nodeRequire.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
