// The IMPALA ResNet encoder: Espeholt et al. 2018, "IMPALA: Scalable Distributed Deep-RL …", fig. 3 (right).
import * as tf from '@tensorflow/tfjs';
import { activationBlock, applyLayer, compose, convBlock, denseBlock, dropoutBlock, flattenBlock, rescaleBlock, toModel } from './layers.js';
import { uniqueLayerName } from './naming.js';
import { seedStream } from './seeds.js';
import type { Block, ImageShape, Init } from './types.js';

export interface ImpalaResidualConfig {
  filters: number;
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
}

/** x + conv(relu(conv(relu(x)))), 3×3 same convs: the pre-activation residual block of IMPALA. */
export function impalaResidualBlock(config: ImpalaResidualConfig): Block {
  const seed = seedStream(config.seed ?? 0);
  const conv = () =>
    convBlock({ filters: config.filters, kernelSize: 3, padding: 'same', init: config.init, batchNorm: config.batchNorm, seed: seed() });
  return (x) => {
    const h = compose(activationBlock('relu'), conv(), activationBlock('relu'), conv())(x);
    return applyLayer(tf.layers.add({ name: uniqueLayerName('residual_add') }), [x, h]);
  };
}

export interface ImpalaConfig {
  /** Default [64, 64, 3] (Procgen). */
  inputShape?: ImageShape;
  /** Channels per stage. Default [16, 32, 32]. */
  channels?: number[];
  /** Residual blocks per stage. Default 2. */
  blocksPerStage?: number;
  /** Width of the final dense relu layer. Default 256. */
  featureSize?: number;
  inputScale?: number;
  /** Default 'glorotUniform'. */
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
  /** Dropout rate after the dense layer. Default 0. */
  dropout?: number;
}

/**
 * Per stage: 3×3 conv → 3×3 max-pool stride 2 (same) → residual blocks; then relu → flatten → dense relu.
 */
export function impalaBlock(config: Omit<ImpalaConfig, 'inputShape'> = {}): Block {
  const seed = seedStream(config.seed ?? 0);
  const { init, batchNorm } = config;
  const blocks: Block[] = [rescaleBlock(config.inputScale)];
  for (const filters of config.channels ?? [16, 32, 32]) {
    blocks.push(convBlock({ filters, kernelSize: 3, padding: 'same', init, batchNorm, seed: seed() }));
    blocks.push((x) => applyLayer(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: uniqueLayerName('max_pool') }), x));
    for (let i = 0; i < (config.blocksPerStage ?? 2); i++) blocks.push(impalaResidualBlock({ filters, init, batchNorm, seed: seed() }));
  }
  blocks.push(activationBlock('relu'), flattenBlock());
  blocks.push(denseBlock({ units: config.featureSize ?? 256, activation: 'relu', init, seed: seed() }));
  if (config.dropout) blocks.push(dropoutBlock(config.dropout));
  return compose(...blocks);
}

/** The IMPALA encoder as a model: [batch, H, W, C] → [batch, featureSize]. */
export function impala(config: ImpalaConfig = {}): tf.LayersModel {
  return toModel(config.inputShape ?? [64, 64, 3], impalaBlock(config), 'impala');
}
