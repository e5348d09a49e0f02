// Float32 views of wasm tensors. Views die when the wasm memory grows (any malloc can grow it), so
// take them after every allocation a kernel makes and never keep one across kernel calls.
import type * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './scope.js';

export function f32View(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('pixelgym: tensor data is not on the wasm back end');
  if (info.dtype !== 'float32') throw new Error(`pixelgym: expected float32, got ${info.dtype}`);
  let size = 1;
  for (const d of info.shape) size *= d;
  return new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, size);
}

/** Byte offset of a tensor's data in the wasm memory. */
export function byteOffset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('pixelgym: tensor data is not on the wasm back end');
  return data.memoryOffset;
}
