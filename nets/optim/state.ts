// Optimizer state as plain data (typed arrays), for checkpoints: what getWeights() holds, read back.
import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from './slots.js';

export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

export interface OptimizerState {
  /** getClassName() of the optimizer it came from. */
  className: string;
  config: tf.serialization.ConfigDict;
  iterations: number;
  /** getWeights() order: the iteration count ('iter'), then slot variables kind by kind. */
  weights: SavedTensor[];
}

/** Classes whose states are interchangeable (same slots, same order). */
const families: string[][] = [
  ['Adam', 'PixelgymFusedAdam'],
  ['RMSProp', 'PixelgymRMSProp'],
];

function compatible(a: string, b: string): boolean {
  return a === b || families.some((f) => f.includes(a) && f.includes(b));
}

async function save(w: NamedTensor): Promise<SavedTensor> {
  const dtype = w.tensor.dtype;
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`getOptimizerState: ${w.name} has dtype ${dtype}`);
  const values = (await w.tensor.data()) as Float32Array | Int32Array;
  return { name: w.name, shape: [...w.tensor.shape], dtype, values: values.slice() };
}

export async function getOptimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  try {
    return {
      className: optimizer.getClassName(),
      config: optimizer.getConfig(),
      iterations: optimizer.iterations,
      weights: await Promise.all(weights.map(save)),
    };
  } finally {
    // getWeights() hands out the slot variables themselves plus a fresh 'iter' scalar.
    for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
}

/**
 * Loads state saved by getOptimizerState into an optimizer of the same kind (tf.train.adam and the
 * fused Adam share a layout, as do tfjs's and our RMSProp). The optimizer's previous slot variables
 * are disposed (tfjs's own setWeights would leak them).
 */
export async function setOptimizerState(optimizer: tf.Optimizer, state: OptimizerState): Promise<void> {
  const name = optimizer.getClassName();
  if (!compatible(name, state.className)) {
    throw new Error(`setOptimizerState: state of a ${state.className} cannot load into a ${name}`);
  }
  const previous = await optimizer.getWeights();
  const tensors = state.weights.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape, w.dtype) }));
  try {
    await optimizer.setWeights(tensors);
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
  for (const w of previous) if (!w.tensor.isDisposed) w.tensor.dispose();
}
