// Gradient-based saliency: vanilla gradients (Simonyan et al. 2014, "Deep inside convolutional
// networks") and guided backpropagation (Springenberg et al. 2015, "Striving for simplicity").
// cs231n ch. 11.
import * as tf from '@tensorflow/tfjs';
import { checkImage, checkModelFor, imageTensor, type ImageInput } from './input.js';
import type { FloatMap } from './map.js';

/** How a [h, w, c] gradient becomes one value a pixel. */
export type ChannelReduce = 'maxAbs' | 'sumAbs';

export interface SaliencyOptions {
  /** Default 'maxAbs' (Simonyan et al.: the largest magnitude across colour channels). */
  reduce?: ChannelReduce;
}

function targetIndex(out: tf.Tensor, target: number, what: string): void {
  const k = out.shape[out.shape.length - 1]!;
  if (!Number.isInteger(target) || target < 0 || target >= k) throw new RangeError(`${what}: target ${target} is not an output index in 0 … ${k - 1}`);
}

function reduceGrad(g: tf.Tensor4D, reduce: ChannelReduce): FloatMap {
  const [, h, w] = g.shape;
  const m = tf.tidy(() => (reduce === 'maxAbs' ? tf.max(tf.abs(g), 3) : tf.sum(tf.abs(g), 3)));
  const data = m.dataSync() as Float32Array;
  m.dispose();
  return { width: w, height: h, data: Float32Array.from(data) };
}

/** The gradient of output `target` with respect to the image, as a raw [h, w, c] array. */
export function inputGradient(forward: (x: tf.Tensor4D) => tf.Tensor, image: ImageInput, target: number): tf.Tensor4D {
  return tf.tidy(() => {
    const x = imageTensor(image);
    const score = (v: tf.Tensor): tf.Scalar => {
      const out = forward(v as tf.Tensor4D);
      targetIndex(out, target, 'saliency');
      return tf.sum(tf.slice(tf.reshape(out, [1, -1]), [0, target], [1, 1]));
    };
    return tf.grad(score)(x) as tf.Tensor4D;
  });
}

/** |∂ output[target] / ∂ pixel|, reduced over channels. */
export function vanillaSaliency(model: tf.LayersModel, image: ImageInput, target: number, opts: SaliencyOptions = {}): FloatMap {
  checkImage(image, 'vanillaSaliency');
  checkModelFor(model, image.shape, 'vanillaSaliency');
  const g = inputGradient((x) => model.apply(x) as tf.Tensor, image, target);
  try {
    return reduceGrad(g, opts.reduce ?? 'maxAbs');
  } finally {
    g.dispose();
  }
}

// ReLU whose backward pass lets through only positive gradients at positive inputs.
const guidedRelu = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.relu(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(tf.step(saved[0]!), tf.step(dy))),
  };
}) as (x: tf.Tensor) => tf.Tensor;

function activate(name: string, x: tf.Tensor, what: string): tf.Tensor {
  switch (name) {
    case 'relu':
      return guidedRelu(x);
    case 'linear':
      return x;
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'softmax':
      return tf.softmax(x);
    default:
      throw new Error(`${what}: activation '${name}' is not supported by guided backpropagation`);
  }
}

interface LayerConfigView {
  activation?: string;
  strides?: number | number[];
  padding?: string;
  dilationRate?: number | number[];
  useBias?: boolean;
}

/**
 * Runs a chain model layer by layer with every ReLU replaced by the guided ReLU (conv and dense
 * layers are recomputed from their weights so their fused activation can be swapped). Models
 * whose layers branch (dueling heads, residual blocks) are refused.
 */
export function guidedForward(model: tf.LayersModel, x: tf.Tensor4D): tf.Tensor {
  const what = 'guidedBackprop';
  let h: tf.Tensor = x;
  model.layers.forEach((layer, i) => {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') return;
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    const prev = model.layers[i - 1];
    if (inbound.length !== 1 || inbound[0] !== prev) throw new Error(`${what}: ${model.name} is not a chain of layers (at ${layer.name})`);
    const cfg = layer.getConfig() as LayerConfigView;
    if (cls === 'Conv2D' || cls === 'Dense') {
      const [kernel, bias] = layer.getWeights();
      let z =
        cls === 'Dense'
          ? tf.matMul(tf.reshape(h, [-1, h.shape[h.shape.length - 1]!]), kernel as tf.Tensor2D)
          : tf.conv2d(h as tf.Tensor4D, kernel as tf.Tensor4D, cfg.strides as [number, number], cfg.padding === 'same' ? 'same' : 'valid', 'NHWC', cfg.dilationRate as [number, number]);
      if (bias && cfg.useBias !== false) z = tf.add(z, bias);
      h = activate(cfg.activation ?? 'linear', z, what);
    } else if (cls === 'Activation' || cls === 'ReLU') {
      h = activate(cls === 'ReLU' ? 'relu' : (cfg.activation ?? 'linear'), h, what);
    } else {
      h = layer.apply(h) as tf.Tensor;
    }
  });
  return h;
}

/** Guided backpropagation: the input gradient with only positive signals flowing back through ReLUs. */
export function guidedBackprop(model: tf.LayersModel, image: ImageInput, target: number, opts: SaliencyOptions = {}): FloatMap {
  checkImage(image, 'guidedBackprop');
  checkModelFor(model, image.shape, 'guidedBackprop');
  const g = inputGradient((x) => guidedForward(model, x), image, target);
  try {
    return reduceGrad(g, opts.reduce ?? 'maxAbs');
  } finally {
    g.dispose();
  }
}
