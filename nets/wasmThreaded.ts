// tfjs-backend-wasm's threaded SIMD build (XNNPACK with a pthread pool), started under Node.
//
// tfjs itself never picks this build in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue
// #3830): its init hands emscripten Blob URLs for the pthread worker and main script, which
// worker_threads cannot load. The emscripten glue it ships does support Node, so we load it with real
// file paths instead and build tfjs's own BackendWasm on the module, exactly as tfjs's init would.
// The kernels registered for 'wasm' (tfjs's and ours) work unchanged.
//
// Two quirks of the build are handled here:
// - Its C side caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads a
//   core), which is 1 on a 2-core machine. We answer that import with 2 × the thread count we want.
// - emscripten refs a pthread's worker while it runs, and XNNPACK's pool threads never return, so
//   the process would never exit. We unref them once the pool has started.
// - tfjs gives every op the pool, and waking it costs more than small ops do: nets/wasmThreadGate.ts
//   keeps the pool for big convs and matrix products only.
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../envs/atomicWrite.js';
import { gateThreadpool, threadpoolPointerAddress, type GatedModule } from './wasmThreadGate.js';

/** XNNPACK's pool is capped at 8 threads by tfjs's C side (and emscripten pre-starts 8 workers). */
export const maxWasmThreads = 8;

const buildName = 'tfjs-backend-wasm-threaded-simd';

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

/** What we use of the emscripten module (typed structurally: tfjs ships it untyped). */
interface EmscriptenModule extends GatedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
  tfjs?: object;
}

interface WasmInstantiation {
  instance: object;
  module: object;
}
interface WebAssemblyApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<WasmInstantiation>;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface FactoryConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void): object;
}
type EmscriptenFactory = (config: FactoryConfig) => Promise<EmscriptenModule>;

interface BuildFiles {
  mainScript: string;
  wasm: string;
  worker: string;
}

/** Validates a thread count: an integer 1..maxWasmThreads. */
export function checkWasmThreads(threads: number, source = 'wasm threads'): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > maxWasmThreads) {
    throw new Error(`pixelgym: ${source} must be an integer from 1 to ${maxWasmThreads}, got ${String(threads)}`);
  }
  return threads;
}

/**
 * The pthread worker script as a real file. tfjs ships it as a CommonJS module exporting the script
 * text; we write that text once to the temp folder (named by its hash, so versions never clash).
 */
function workerScript(require: NodeRequire): string {
  const { wasmWorkerContents } = require(`@tensorflow/tfjs-backend-wasm/wasm-out/${buildName}.worker.js`) as {
    wasmWorkerContents: string;
  };
  // The text holds "\n" escapes that the template literal turned into real newlines inside string
  // literals; tfjs escapes them back before making its Blob, and so must we.
  const text = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `pixelgym-${buildName}-${hash}.worker.cjs`);
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileAtomic(path, text);
  return path;
}

function buildFiles(require: NodeRequire): BuildFiles {
  return {
    mainScript: require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${buildName}.js`),
    wasm: require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${buildName}.wasm`),
    worker: workerScript(require),
  };
}

async function loadModule(threads: number): Promise<{ module: EmscriptenModule; wasmBytes: Uint8Array }> {
  const require = createRequire(import.meta.url);
  const files = buildFiles(require);
  const factory = require(files.mainScript) as EmscriptenFactory;
  const wasmBytes = readFileSync(files.wasm);
  const module = await new Promise<EmscriptenModule>((resolve, reject) => {
    factory({
      locateFile: (path, prefix) =>
        path.endsWith('.worker.js') ? files.worker : path.endsWith('.wasm') ? files.wasm : prefix + path,
      // Each pthread worker evaluates this script (importScripts reads it from disk in Node).
      mainScriptUrlOrBlob: files.mainScript,
      instantiateWasm: (imports, receive) => {
        const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * threads };
        webAssembly
          .instantiate(wasmBytes, { ...imports, env, wasi_snapshot_preview1: env })
          .then((r) => receive(r.instance, r.module), reject);
        return {};
      },
    }).then(resolve, reject);
  });
  // The same wrappers tfjs's own init adds (BackendWasm calls them).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return { module, wasmBytes };
}

let threadGated = false;

/**
 * Whether the running threaded back end keeps small ops on the calling thread (nets/wasmThreadGate.ts);
 * false before it starts or if the build's code was not recognised (then every op is threaded).
 */
export function wasmThreadsGated(): boolean {
  return threadGated;
}

/** Modules started by our factory, so their workers can be released. */
const started = new Set<EmscriptenModule>();

/** Lets the process exit with the pool alive: idle and running pthread workers stop holding it. */
function unrefWorkers(module: EmscriptenModule): void {
  for (const w of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) w.unref();
}

/**
 * A tfjs back-end factory for 'wasm' on the threaded SIMD build with `threads` XNNPACK threads.
 * The returned back end reports its pool size through tfjs-backend-wasm's getThreadsCount().
 */
export function threadedWasmFactory(threads: number): () => Promise<tf.KernelBackend> {
  checkWasmThreads(threads);
  return async () => {
    const { module, wasmBytes } = await loadModule(threads);
    setThreadsCount(threads); // read by BackendWasm's constructor
    // BackendWasm's constructor type wants tfjs's module typing; ours carries the members it uses.
    const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
    unrefWorkers(module);
    started.add(module);
    const got = getThreadsCount();
    if (got !== threads) {
      throw new Error(`pixelgym: the threaded wasm build started ${got} threads, not the ${threads} asked for`);
    }
    // Before the engine sets up the kernels (they bind the C entry points then).
    const address = threadpoolPointerAddress(wasmBytes);
    threadGated = address != null && gateThreadpool(module, address);
    return backend;
  };
}

/** Terminates the pthread workers of every threaded module we started (after its back end is removed). */
export async function terminateWasmThreads(): Promise<void> {
  const all = [...started];
  started.clear();
  threadGated = false;
  await Promise.all(
    all.flatMap((m) => [...m.PThread.runningWorkers, ...m.PThread.unusedWorkers].map((w) => w.terminate())),
  );
}
