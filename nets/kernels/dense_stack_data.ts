// Float32 access to tensor data inside a kernel, for the wasm and cpu back ends alike: views of the wasm
// heap (plain or shared; valid until the next allocation on it) or the cpu back end's own typed arrays.
import * as tf from '@tensorflow/tfjs';

interface WasmLike {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: { buffer: ArrayBufferLike }; asm?: { memory?: { buffer: ArrayBufferLike } } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface CpuLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

export type KernelBackend = WasmLike | CpuLike;

function isWasm(backend: KernelBackend): backend is WasmLike {
  return 'dataIdMap' in backend && 'wasm' in backend;
}

/** The backing floats of a float32 tensor. On wasm, re-take it after any allocation. */
export function f32Of(backend: KernelBackend, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`pixelgym kernel: expected float32, got ${info.dtype}`);
  const n = tf.util.sizeFromShape(info.shape);
  if (isWasm(backend)) {
    const data = backend.dataIdMap.get(info.dataId);
    if (!data) throw new Error('pixelgym kernel: tensor data is not on the wasm back end');
    // The memory's current buffer: with the threaded build a pool thread may have grown the (shared)
    // memory while the module's HEAPU8 still shows the old length.
    const buffer = (backend.wasm.wasmMemory ?? backend.wasm.asm?.memory)?.buffer ?? backend.wasm.HEAPU8.buffer;
    return new Float32Array(buffer, data.memoryOffset, n);
  }
  const values = backend.data.get(info.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new Error('pixelgym kernel: tensor data is not a float32 array on this back end');
  return values.length === n ? values : values.subarray(0, n);
}

/** New float32 outputs (contents unset until written through f32Of). */
export function makeF32Outputs(backend: KernelBackend, shapes: readonly number[][]): tf.TensorInfo[] {
  if (isWasm(backend)) return shapes.map((s) => backend.makeOutput([...s], 'float32'));
  return shapes.map((s) => backend.makeTensorInfo([...s], 'float32', new Float32Array(tf.util.sizeFromShape(s))));
}
