// Small helpers shared by the builders: seeded initializers, activations, and dense/conv layers named
// through `uniqueLayerName`. cs231n ch. 6.1 (activations), 6.3 (initialization), 6.4 (batch norm).
import * as tf from '@tensorflow/tfjs';
import { uniqueLayerName } from './naming.js';
import type { Activation, Block, Init } from './types.js';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Slope of leaky ReLU for negative inputs (the course's 0.01, not Keras' 0.3). */
export const LEAKY_RELU_ALPHA = 0.01;

const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'elu', 'linear'];
const INITS: readonly Init[] = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'smallRandom'];

export function checkActivation(a: string, what: string): Activation {
  if (!(ACTIVATIONS as readonly string[]).includes(a)) {
    throw new Error(`${what}: unknown activation '${a}' (expected one of ${ACTIVATIONS.join(', ')})`);
  }
  return a as Activation;
}

/** A seeded tfjs initializer for `init`. */
export function initializer(init: Init, seed: number): Initializer {
  switch (init) {
    case 'glorotUniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal':
      return tf.initializers.glorotNormal({ seed });
    case 'heNormal':
      return tf.initializers.heNormal({ seed });
    case 'heUniform':
      return tf.initializers.heUniform({ seed });
    case 'smallRandom':
      return tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed });
    default:
      throw new Error(`unknown init '${String(init)}' (expected one of ${INITS.join(', ')})`);
  }
}

/** Applies a single-output layer to a symbolic tensor (the tfjs typing returns a union). */
export function applyLayer(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  const y = layer.apply(x);
  if (Array.isArray(y) || !(y instanceof tf.SymbolicTensor)) {
    throw new Error(`layer ${layer.name} did not return one symbolic tensor`);
  }
  return y;
}

/** Chains blocks left to right. */
export function compose(...blocks: Block[]): Block {
  return (x) => blocks.reduce((h, b) => b(h), x);
}

/** Activation as its own layer; 'linear' is the identity (no layer). */
export function activationBlock(activation: Activation): Block {
  checkActivation(activation, 'activation');
  if (activation === 'linear') return (x) => x;
  if (activation === 'leakyRelu') {
    return (x) => applyLayer(tf.layers.leakyReLU({ alpha: LEAKY_RELU_ALPHA, name: uniqueLayerName('leaky_relu') }), x);
  }
  return (x) => applyLayer(tf.layers.activation({ activation, name: uniqueLayerName(activation) }), x);
}

export interface DenseOptions {
  units: number;
  activation?: Activation;
  init?: Init;
  seed: number;
  batchNorm?: boolean;
  dropout?: number;
  name?: string;
}

/**
 * Dense layer, optionally followed by batch norm (before the nonlinearity, as Ioffe & Szegedy) and
 * dropout (after it). Built-in tfjs activations are fused into the layer; leaky ReLU gets its own.
 */
export function denseBlock(o: DenseOptions): Block {
  const activation = checkActivation(o.activation ?? 'linear', 'dense');
  const fused = !o.batchNorm && activation !== 'leakyRelu';
  return (x) => {
    let h = applyLayer(
      tf.layers.dense({
        units: o.units,
        activation: fused ? activation : 'linear',
        kernelInitializer: initializer(o.init ?? 'glorotUniform', o.seed),
        biasInitializer: 'zeros',
        useBias: !o.batchNorm,
        name: o.name ?? uniqueLayerName('dense'),
      }),
      x,
    );
    if (o.batchNorm) h = applyLayer(tf.layers.batchNormalization({ name: uniqueLayerName('batch_norm') }), h);
    if (!fused) h = activationBlock(activation)(h);
    if (o.dropout) h = dropoutBlock(o.dropout)(h);
    return h;
  };
}

export interface ConvOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'valid' | 'same';
  activation?: Activation;
  init?: Init;
  seed: number;
  batchNorm?: boolean;
  name?: string;
}

/** 2-D convolution (NHWC), optionally followed by batch norm, then the activation. */
export function convBlock(o: ConvOptions): Block {
  const activation = checkActivation(o.activation ?? 'linear', 'conv2d');
  const fused = !o.batchNorm && activation !== 'leakyRelu';
  return (x) => {
    let h = applyLayer(
      tf.layers.conv2d({
        filters: o.filters,
        kernelSize: o.kernelSize,
        strides: o.strides ?? 1,
        padding: o.padding ?? 'valid',
        activation: fused ? activation : 'linear',
        kernelInitializer: initializer(o.init ?? 'glorotUniform', o.seed),
        biasInitializer: 'zeros',
        useBias: !o.batchNorm,
        name: o.name ?? uniqueLayerName('conv'),
      }),
      x,
    );
    if (o.batchNorm) h = applyLayer(tf.layers.batchNormalization({ name: uniqueLayerName('batch_norm') }), h);
    if (!fused) h = activationBlock(activation)(h);
    return h;
  };
}

/**
 * Dropout (cs231n ch. 6.6), active only when a model runs with `{ training: true }`. Unseeded on
 * purpose: tfjs reuses a seeded dropout's seed on every call, which would drop the same units forever.
 */
export function dropoutBlock(rate: number): Block {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return (x) => x;
  return (x) => applyLayer(tf.layers.dropout({ rate, name: uniqueLayerName('dropout') }), x);
}

/** Flattens everything but the batch axis. */
export function flattenBlock(): Block {
  return (x) => (x.shape.length <= 2 ? x : applyLayer(tf.layers.flatten({ name: uniqueLayerName('flatten') }), x));
}

/** Multiplies the input by `scale` (e.g. 1/255 for uint8 pixels); no layer when scale is 1. */
export function rescaleBlock(scale: number | undefined): Block {
  if (scale === undefined || scale === 1) return (x) => x;
  return (x) => applyLayer(tf.layers.rescaling({ scale, name: uniqueLayerName('rescale') }), x);
}

/** A named input placeholder (batch axis implicit). */
export function inputOf(shape: number[], base = 'input'): tf.SymbolicTensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) throw new Error(`input shape must be positive integers, got [${shape.join(', ')}]`);
  }
  return tf.input({ shape, name: uniqueLayerName(base) });
}

/** Wraps a block into a LayersModel over an input of `shape`. */
export function toModel(shape: number[], block: Block, name = 'model'): tf.LayersModel {
  const input = inputOf(shape);
  return tf.model({ inputs: input, outputs: block(input), name: uniqueLayerName(name) });
}

/**
 * Applies `model`'s layers, one by one, to new symbolic inputs and returns the new outputs. The layers
 * (and so the weights) are shared with `model`, but no model is nested: tfjs reference-counts layers
 * per use, so disposing one of several models built on a shared encoder leaves the others intact
 * (a nested model shared by two containers is disposed by whichever goes first).
 */
export function inlineModel(model: tf.LayersModel, inputs: tf.SymbolicTensor[]): tf.SymbolicTensor[] {
  if (inputs.length !== model.inputs.length) {
    throw new Error(`inlineModel: ${model.name} takes ${model.inputs.length} input(s), got ${inputs.length}`);
  }
  const done = new Map<number, tf.SymbolicTensor>();
  model.inputs.forEach((t, i) => done.set(t.id, inputs[i]!));
  // Every output of a layer call is created at once; remember them by the original tensors' ids.
  const visit = (t: tf.SymbolicTensor): tf.SymbolicTensor => {
    const known = done.get(t.id);
    if (known) return known;
    if (t.sourceLayer.getClassName() === 'InputLayer') throw new Error(`inlineModel: ${t.name} is not one of ${model.name}'s inputs`);
    const args = t.inputs.map(visit);
    const out = t.sourceLayer.apply(args.length === 1 ? args[0]! : args, t.callArgs);
    const outs = (Array.isArray(out) ? out : [out]) as tf.SymbolicTensor[];
    const y = outs[t.outputTensorIndex ?? 0]!;
    done.set(t.id, y);
    return y;
  };
  return model.outputs.map(visit);
}

/** Last-axis size of a symbolic tensor (a clear error if unknown). */
export function lastDim(x: tf.SymbolicTensor): number {
  const d = x.shape[x.shape.length - 1];
  if (typeof d !== 'number') throw new Error(`tensor ${x.name} has an unknown last dimension`);
  return d;
}
