// Float32 views of wasm tensors. Views die when the wasm memory grows (any malloc can grow it), so
// take them after every allocation a kernel makes and never keep one across kernel calls. Views are
// taken on the memory's current buffer, not the module's HEAPU8: with the threaded build, a pool
// thread can grow the (shared) memory and the main thread's HEAPU8 lags until emscripten refreshes it.
import * as tf from '@tensorflow/tfjs';
import type { WasmMemory } from './simd/module.js';
import type { WasmBackendLike } from './scope.js';

/** The back end's wasm memory (the threaded build imports it, the plain one exports it). */
export function wasmMemoryOf(backend: WasmBackendLike): WasmMemory | undefined {
  return backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
}

/** The wasm memory's buffer as it is now (plain or shared). */
export function heapBuffer(backend: WasmBackendLike): ArrayBuffer | SharedArrayBuffer {
  return wasmMemoryOf(backend)?.buffer ?? backend.wasm.HEAPU8.buffer;
}

export function f32View(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('pixelgym: tensor data is not on the wasm back end');
  if (info.dtype !== 'float32') throw new Error(`pixelgym: expected float32, got ${info.dtype}`);
  return new Float32Array(heapBuffer(backend), data.memoryOffset, tf.util.sizeFromShape(info.shape));
}

/** Byte offset of a tensor's data in the wasm memory. */
export function byteOffset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('pixelgym: tensor data is not on the wasm back end');
  return data.memoryOffset;
}
