// Choosing the tfjs back end.
//
// 'auto' prefers native TensorFlow when the user installed it (@tensorflow/tfjs-node-gpu, then
// @tensorflow/tfjs-node: optional peer dependencies, imported by a variable specifier so neither
// TypeScript nor bundlers require them), then wasm, then cpu. tfjs-node registers its 'tensorflow'
// back end on the tfjs-core it imports, which is ours only when its version matches the
// @tensorflow/tfjs we depend on (4.22.0); with a mismatched copy the import succeeds but the back end
// lands on another engine, and we fall through (or, when asked for 'tensorflow', throw).
//
// wasm loads its .wasm files from the installed @tensorflow/tfjs-backend-wasm (never the network) and
// gets pixelgym's kernels (nets/kernels). With more than one thread it runs the threaded SIMD build
// (nets/wasmThreaded.ts: XNNPACK splits each conv/matmul over a pthread pool); with one, the plain
// SIMD build. The thread count is fixed once the back end starts (stopWasmBackend() to change it).
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { registerWasmKernels } from './kernels/register.js';
import { stopSimdHelpers } from './kernels/simd/helper.js';
import { checkWasmThreads, terminateWasmThreads, threadedWasmFactory } from './wasmThreaded.js';

export {
  missingWasmKernels,
  registerWasmKernels,
  unregisterWasmKernels,
  wasmKernelOverrides,
  wasmKernelsRegistered,
} from './kernels/index.js';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

const backendNames: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Native packages, most preferred first. */
const nativePackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

// Kernels are registered per back end name, before or after it starts; doing it at import means
// even code that calls tf.setBackend('wasm') itself gets them.
registerWasmKernels();

// Importing tfjs-backend-wasm registers it above cpu, and an async back end at the top makes tfjs
// throw on the first op of code that never awaited tf.ready(). Keep cpu as tfjs's implicit default;
// selectBackend() is how wasm gets chosen.
const wasmFactory = tf.engine().registryFactory['wasm'];
if (wasmFactory && !initialized('wasm')) wasmFactory.priority = 0;
/** tfjs's own wasm factory (single-threaded SIMD build in Node). */
const singleThreadFactory = wasmFactory?.factory;

/** Whether a back end has started (tf.findBackend would start it, so look in the registry). */
function initialized(name: string): boolean {
  return tf.engine().registry[name] != null;
}

let wasmPathsSet = false;

/** The folder holding tfjs-backend-wasm's .wasm files, with a trailing separator. */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + sep;
}

/**
 * XNNPACK threads for the wasm back end when none is asked for: PIXELGYM_WASM_THREADS, else 1.
 * Threads pay off for conv nets (the Nature-CNN train step). Small ops stay on the calling thread
 * (nets/wasmThreadGate.ts), but the threaded build still costs ~1 s of start-up (emscripten starts 8
 * workers), memory, and some per-op overhead (an MLP step ~20% slower on busy cores), so more than
 * one thread is opt-in.
 */
export function defaultWasmThreads(): number {
  const env = process.env['PIXELGYM_WASM_THREADS'];
  if (env !== undefined && env !== '') return checkWasmThreads(Number(env), `PIXELGYM_WASM_THREADS='${env}'`);
  return 1;
}

/** Threads of the running wasm back end, or null when it has not started. */
export function wasmThreads(): number | null {
  return initialized('wasm') ? getThreadsCount() : null;
}

async function useWasm(threads: number | undefined): Promise<boolean> {
  if (initialized('wasm')) {
    const running = getThreadsCount();
    if (threads !== undefined && threads !== running) {
      throw new Error(
        `pixelgym: the wasm back end already runs ${running} thread(s); the thread count is fixed once it ` +
          `starts (stopWasmBackend() first to start it with ${threads})`,
      );
    }
  } else {
    const entry = tf.engine().registryFactory['wasm'];
    if (!entry || !singleThreadFactory) throw new Error('pixelgym: @tensorflow/tfjs-backend-wasm did not register its back end');
    const count = threads ?? defaultWasmThreads();
    entry.factory = count === 1 ? singleThreadFactory : threadedWasmFactory(count);
    if (!wasmPathsSet) {
      // Only before the back end starts: afterwards the module is loaded and the paths are moot.
      setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
  }
  registerWasmKernels();
  return tf.setBackend('wasm');
}

/**
 * Disposes the wasm back end and its pthread workers, so that the next selectBackend('wasm') starts it
 * afresh (e.g. with another thread count). Refuses while tensors live on it: they would die with it.
 * If wasm was the back end in use, cpu is selected.
 */
export async function stopWasmBackend(): Promise<void> {
  const backend = tf.engine().registry['wasm'];
  if (backend == null) return;
  const live = backend.numDataIds();
  if (live > 0) {
    throw new Error(`pixelgym: ${live} tensor(s) still live on the wasm back end; dispose them before stopping it`);
  }
  const entry = tf.engine().registryFactory['wasm'];
  const wasActive = tf.getBackend() === 'wasm';
  tf.removeBackend('wasm');
  if (entry) tf.registerBackend('wasm', entry.factory, entry.priority);
  await terminateWasmThreads();
  await stopSimdHelpers();
  if (wasActive) await tf.setBackend('cpu');
}

async function importNative(): Promise<string | null> {
  for (const pkg of nativePackages) {
    try {
      const specifier: string = pkg;
      await import(specifier);
    } catch {
      continue;
    }
    if (tf.findBackendFactory('tensorflow') != null && (await tf.setBackend('tensorflow'))) return pkg;
  }
  return null;
}

function nativeMissing(): Error {
  return new Error(
    "pixelgym: the 'tensorflow' back end needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node " +
      '(version 4.22.0, matching @tensorflow/tfjs), and neither loaded. `npm install @tensorflow/tfjs-node` ' +
      'downloads libtensorflow during install, so it needs network access (the -gpu package also needs ' +
      "CUDA). Use 'wasm' (the fast default without them) or 'cpu' instead.",
  );
}

function isBackendName(name: string): name is BackendName {
  return (backendNames as readonly string[]).includes(name);
}

export interface SelectBackendOptions {
  /** XNNPACK threads when wasm starts (1 = single-threaded build); default defaultWasmThreads(). */
  wasmThreads?: number;
}

/**
 * Selects the tfjs back end and returns the one in use ('tensorflow', 'wasm' or 'cpu'). Idempotent;
 * safe to call again (with the same or another name). The default comes from PIXELGYM_BACKEND, else
 * 'auto'. `options.wasmThreads` applies when wasm starts; asking another count of a running wasm
 * back end throws.
 */
export async function selectBackend(
  name: BackendName = defaultBackendName(),
  options: SelectBackendOptions = {},
): Promise<string> {
  if (!isBackendName(name)) {
    throw new Error(`pixelgym: unknown back end '${String(name)}'; expected one of ${backendNames.join(', ')}`);
  }
  const threads = options.wasmThreads === undefined ? undefined : checkWasmThreads(options.wasmThreads, 'wasmThreads');
  let ok = false;
  switch (name) {
    case 'tensorflow':
      if ((await importNative()) == null) throw nativeMissing();
      ok = true;
      break;
    case 'wasm':
      ok = await useWasm(threads);
      if (!ok) throw new Error('pixelgym: the wasm back end failed to initialize (see the error logged above)');
      break;
    case 'cpu':
      ok = await tf.setBackend('cpu');
      break;
    case 'auto':
      ok = (await importNative()) != null || (await useWasm(threads)) || (await tf.setBackend('cpu'));
      break;
  }
  if (!ok) throw new Error(`pixelgym: could not select the '${name}' back end`);
  await tf.ready();
  return tf.getBackend();
}

function defaultBackendName(): BackendName {
  const env = process.env['PIXELGYM_BACKEND'];
  if (env === undefined || env === '') return 'auto';
  if (!isBackendName(env)) {
    throw new Error(`pixelgym: PIXELGYM_BACKEND='${env}' is not one of ${backendNames.join(', ')}`);
  }
  return env;
}

/** The back end in use now ('tensorflow', 'wasm', 'cpu', …), without changing it. */
export function currentBackend(): string {
  return tf.getBackend();
}
