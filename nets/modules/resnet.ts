// ResNet basic block: He et al. 2016, "Deep Residual Learning for Image Recognition" (cs231n ch. 8.4).
import * as tf from '@tensorflow/tfjs';
import { activationBlock, applyLayer, compose, convBlock, denseBlock, lastDim, rescaleBlock, toModel } from './layers.js';
import { globalAvgPoolHead } from './pooling.js';
import { uniqueLayerName } from './naming.js';
import { seedStream } from './seeds.js';
import type { Block, ImageShape, Init } from './types.js';

export interface ResnetBlockConfig {
  filters: number;
  /** Stride of the first conv (2 halves the resolution). Default 1. */
  stride?: number;
  /** Batch norm after each conv (and on the projection). Default true, as in the paper. */
  batchNorm?: boolean;
  /** Default 'heNormal', as in the paper. */
  init?: Init;
  seed?: number;
}

/**
 * relu(F(x) + shortcut(x)) with F = 3×3 conv → BN → relu → 3×3 conv → BN. The shortcut is the identity
 * when shapes agree, else a 1×1 projection conv with the block's stride.
 */
export function resnetBasicBlock(config: ResnetBlockConfig): Block {
  const seed = seedStream(config.seed ?? 0);
  const stride = config.stride ?? 1;
  const batchNorm = config.batchNorm ?? true;
  const init = config.init ?? 'heNormal';
  return (x) => {
    const residual = compose(
      convBlock({ filters: config.filters, kernelSize: 3, strides: stride, padding: 'same', activation: 'relu', init, batchNorm, seed: seed() }),
      convBlock({ filters: config.filters, kernelSize: 3, padding: 'same', activation: 'linear', init, batchNorm, seed: seed() }),
    )(x);
    const shortcut =
      stride === 1 && lastDim(x) === config.filters
        ? x
        : convBlock({ filters: config.filters, kernelSize: 1, strides: stride, padding: 'same', init, batchNorm, seed: seed() })(x);
    const sum = applyLayer(tf.layers.add({ name: uniqueLayerName('residual_add') }), [residual, shortcut]);
    return activationBlock('relu')(sum);
  };
}

export interface ResnetConfig {
  /** Default [32, 32, 3]. */
  inputShape?: ImageShape;
  /** Basic blocks per stage; channels double and resolution halves from one stage to the next. Default [2, 2]. */
  blocksPerStage?: number[];
  /** Channels of the stem and the first stage. Default 16. */
  baseFilters?: number;
  /** A dense relu layer after the global average pool. */
  featureSize?: number;
  inputScale?: number;
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
}

/** A small ResNet: 3×3 stem conv, stages of basic blocks, global average pool (and a dense layer). */
export function resnet(config: ResnetConfig = {}): tf.LayersModel {
  const seed = seedStream(config.seed ?? 0);
  const base = config.baseFilters ?? 16;
  const init = config.init ?? 'heNormal';
  const batchNorm = config.batchNorm ?? true;
  const blocks: Block[] = [
    rescaleBlock(config.inputScale),
    convBlock({ filters: base, kernelSize: 3, padding: 'same', activation: 'relu', init, batchNorm, seed: seed() }),
  ];
  (config.blocksPerStage ?? [2, 2]).forEach((n, stage) => {
    for (let i = 0; i < n; i++) {
      blocks.push(resnetBasicBlock({ filters: base * 2 ** stage, stride: stage > 0 && i === 0 ? 2 : 1, batchNorm, init, seed: seed() }));
    }
  });
  blocks.push(globalAvgPoolHead());
  if (config.featureSize !== undefined) blocks.push(denseBlock({ units: config.featureSize, activation: 'relu', init, seed: seed() }));
  return toModel(config.inputShape ?? [32, 32, 3], compose(...blocks), 'resnet');
}
