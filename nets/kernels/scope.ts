// Composes wasm kernels from the wasm back end's own kernels, on TensorInfos, below the engine: no
// tensors are registered and nothing is taped, so each intermediate must be freed here.
import * as tf from '@tensorflow/tfjs';
import type { WasmMemory } from './simd/module.js';

/** What we use of tfjs-backend-wasm's BackendWasm (typed structurally: its module types are loose). */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array; asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory };
  dataIdMap: { get(dataId: object): { memoryOffset: number; shape: number[]; dtype: tf.DataType } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export type KernelFn = tf.KernelFunc;

/**
 * Kernels of the wasm back end as shipped, saved before we override any, so an override can still
 * call the original (e.g. BatchMatMul without transposeA).
 */
const originals = new Map<string, KernelFn>();

/** Saves the wasm back end's kernel `name` (once) and returns it. */
export function saveOriginal(name: string): KernelFn | undefined {
  const have = originals.get(name);
  if (have) return have;
  const config = tf.getKernel(name, 'wasm');
  if (!config) return undefined;
  originals.set(name, config.kernelFunc);
  return config.kernelFunc;
}

/** The kernel registered now (ours where we replaced one). */
function kernelFn(name: string): KernelFn {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`pixelgym: wasm kernel '${name}' is not registered`);
  return config.kernelFunc;
}

/** Runs wasm kernels and frees every intermediate it made, except the ones kept. */
export class KernelScope {
  private readonly made: tf.TensorInfo[] = [];
  constructor(readonly backend: WasmBackendLike) {}

  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const out = kernelFn(name)({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) throw new Error(`pixelgym: kernel '${name}' returned several outputs`);
    this.made.push(out);
    return out;
  }

  /** Output of the wasm back end's own kernel `name` as shipped (our override bypassed). */
  runOriginal(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const fn = originals.get(name);
    if (!fn) return this.run(name, inputs, attrs);
    const out = fn({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) throw new Error(`pixelgym: kernel '${name}' returned several outputs`);
    this.made.push(out);
    return out;
  }

  /** Adopts an output made directly with backend.makeOutput. */
  track(x: tf.TensorInfo): tf.TensorInfo {
    this.made.push(x);
    return x;
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  sum(x: tf.TensorInfo, axis: number[]): tf.TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  /** Frees everything this scope made except `keep`, which the caller now owns. */
  finish(keep: tf.TensorInfo): tf.TensorInfo {
    // An input passed straight through (a no-op slice, say) is not ours to hand out: copy it.
    if (!this.made.includes(keep)) keep = this.run('Identity', { x: keep });
    for (const t of this.made) if (t !== keep) this.backend.disposeData(t.dataId);
    this.made.length = 0;
    return keep;
  }

  /** Frees everything (on error paths). */
  dispose(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` in a fresh scope; the returned TensorInfo survives, the rest is freed even on throw. */
export function withScope(backend: WasmBackendLike, body: (s: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const s = new KernelScope(backend);
  try {
    return s.finish(body(s));
  } catch (err) {
    s.dispose();
    throw err;
  }
}
