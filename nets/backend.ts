// Choosing the tfjs back end.
//
// 'auto' prefers native TensorFlow when the user installed it (@tensorflow/tfjs-node-gpu, then
// @tensorflow/tfjs-node: optional peer dependencies, imported by a variable specifier so neither
// TypeScript nor bundlers require them), then wasm, then cpu. tfjs-node registers its 'tensorflow'
// back end on the tfjs-core it imports, which is ours only when its version matches the
// @tensorflow/tfjs we depend on (4.22.0); with a mismatched copy the import succeeds but the back end
// lands on another engine, and we fall through (or, when asked for 'tensorflow', throw).
//
// wasm loads its .wasm files from the installed @tensorflow/tfjs-backend-wasm (never the network),
// picks the SIMD build (threads do not start under Node), and gets pixelgym's kernels (nets/kernels).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { registerWasmKernels } from './kernels/register.js';

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

async function useWasm(): Promise<boolean> {
  if (!wasmPathsSet && !initialized('wasm')) {
    // Only before the back end starts: afterwards the module is loaded and the paths are moot.
    setWasmPaths(wasmBinaryDir());
    wasmPathsSet = true;
  }
  registerWasmKernels();
  return tf.setBackend('wasm');
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

/**
 * Selects the tfjs back end and returns the one in use ('tensorflow', 'wasm' or 'cpu'). Idempotent;
 * safe to call again (with the same or another name). The default comes from PIXELGYM_BACKEND, else
 * 'auto'.
 */
export async function selectBackend(name: BackendName = defaultBackendName()): Promise<string> {
  if (!isBackendName(name)) {
    throw new Error(`pixelgym: unknown back end '${String(name)}'; expected one of ${backendNames.join(', ')}`);
  }
  let ok = false;
  switch (name) {
    case 'tensorflow':
      if ((await importNative()) == null) throw nativeMissing();
      ok = true;
      break;
    case 'wasm':
      ok = await useWasm();
      if (!ok) throw new Error('pixelgym: the wasm back end failed to initialize (see the error logged above)');
      break;
    case 'cpu':
      ok = await tf.setBackend('cpu');
      break;
    case 'auto':
      ok = (await importNative()) != null || (await useWasm()) || (await tf.setBackend('cpu'));
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
