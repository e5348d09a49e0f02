// Spatial attention pooling over conv features, the soft attention of Xu et al. 2015, "Show, Attend and
// Tell" (cs231n ch. 9.4) without a decoder state: score each location, softmax, weighted sum of features.
import * as tf from '@tensorflow/tfjs';
import { applyLayer, compose, convBlock } from './layers.js';
import { uniqueLayerName } from './naming.js';
import { seedStream } from './seeds.js';
import type { Block, Init } from './types.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Shape = (number | null)[];

/** [batch, H, W, 1] scores → [batch, H, W] weights that sum to 1 over H×W for every example. */
export class SpatialSoftmax extends tf.layers.Layer {
  static readonly className = 'PixelgymSpatialSoftmax';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0] ?? null, s[1] ?? null, s[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [b, h, w] = x.shape as number[];
      return tf.reshape(tf.softmax(tf.reshape(x, [b!, h! * w!])), [b!, h!, w!]);
    });
  }
}
tf.serialization.registerClass(SpatialSoftmax);

/** [features [batch, H, W, C], weights [batch, H, W]] → [batch, C]: Σ_hw weight·feature. */
export class AttentionWeightedSum extends tf.layers.Layer {
  static readonly className = 'PixelgymAttentionWeightedSum';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [f] = inputShape as Shape[];
    return [f![0] ?? null, f![3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('AttentionWeightedSum expects [features, weights]');
      const [features, weights] = inputs as [tf.Tensor4D, tf.Tensor3D];
      return tf.sum(tf.mul(features, tf.expandDims(weights, -1)), [1, 2]);
    });
  }
}
tf.serialization.registerClass(AttentionWeightedSum);

export interface SpatialAttentionConfig {
  /**
   * Width of a 1×1 tanh layer before the score (the paper's MLP attention); omit for a linear score
   * (one 1×1 conv).
   */
  hiddenSize?: number;
  /** Default 'glorotUniform'. */
  init?: Init;
  seed?: number;
}

/** Output of `spatialAttentionPool`: pooled features and the attention map the viewer can draw. */
export interface SpatialAttentionOutputs {
  /** [batch, C]. */
  pooled: tf.SymbolicTensor;
  /** [batch, H, W], sums to 1 per example. */
  attention: tf.SymbolicTensor;
}

/** Attention pooling of a [batch, H, W, C] feature map; build a model with both outputs to display the map. */
export function spatialAttentionPool(config: SpatialAttentionConfig = {}): (features: tf.SymbolicTensor) => SpatialAttentionOutputs {
  const seed = seedStream(config.seed ?? 0);
  const score: Block = compose(
    ...(config.hiddenSize !== undefined
      ? [convBlock({ filters: config.hiddenSize, kernelSize: 1, activation: 'tanh', init: config.init, seed: seed() })]
      : []),
    convBlock({ filters: 1, kernelSize: 1, init: config.init, seed: seed(), name: uniqueLayerName('attention_score') }),
  );
  return (features) => {
    if (features.shape.length !== 4) throw new Error(`spatialAttentionPool expects [batch, H, W, C], got [${features.shape.join(', ')}]`);
    const attention = applyLayer(new SpatialSoftmax({ name: uniqueLayerName('attention_map') }), score(features));
    const pooled = applyLayer(new AttentionWeightedSum({ name: uniqueLayerName('attention_pool') }), [features, attention]);
    return { pooled, attention };
  };
}
