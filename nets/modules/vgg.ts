// VGG-style stacks of small 3×3 convolutions: Simonyan & Zisserman 2015 (cs231n ch. 8.2).
import * as tf from '@tensorflow/tfjs';
import { globalAvgPoolHead } from './pooling.js';
import { applyLayer, compose, convBlock, denseBlock, dropoutBlock, flattenBlock, rescaleBlock, toModel } from './layers.js';
import { uniqueLayerName } from './naming.js';
import { seedStream } from './seeds.js';
import type { Block, ImageShape, Init } from './types.js';

export interface VggBlockConfig {
  /** Output channels of every conv in the block. */
  filters: number;
  /** Number of 3×3 convs before the pool. Default 2. */
  convs?: number;
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
  /** Dropout rate after the pool. Default 0. */
  dropout?: number;
}

/** `convs` 3×3 same-padded relu convs, then 2×2 max-pool with stride 2 (halves height and width). */
export function vggBlock(config: VggBlockConfig): Block {
  const seed = seedStream(config.seed ?? 0);
  const convs = config.convs ?? 2;
  if (!Number.isInteger(convs) || convs < 1) throw new Error(`vggBlock: convs must be a positive integer, got ${convs}`);
  const blocks: Block[] = [];
  for (let i = 0; i < convs; i++) {
    blocks.push(
      convBlock({ filters: config.filters, kernelSize: 3, padding: 'same', activation: 'relu', init: config.init, batchNorm: config.batchNorm, seed: seed() }),
    );
  }
  blocks.push((x) => applyLayer(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: uniqueLayerName('max_pool') }), x));
  if (config.dropout) blocks.push(dropoutBlock(config.dropout));
  return compose(...blocks);
}

export interface VggConfig {
  /** Default [64, 64, 3]. */
  inputShape?: ImageShape;
  /** Number of blocks; the channel count doubles from one to the next. Default 3. */
  stages?: number;
  /** Channels of the first block. Default 16. */
  baseFilters?: number;
  /** Convs per block. Default 2. */
  convsPerStage?: number;
  /** How the last feature map becomes a vector: 'flatten' or 'globalAverage'. Default 'globalAverage'. */
  pooling?: 'flatten' | 'globalAverage';
  /** A dense relu layer of this width at the end; omit to output the pooled features. */
  featureSize?: number;
  inputScale?: number;
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
  dropout?: number;
}

/** A VGG-style encoder: stages of `vggBlock` with doubling channels, then pooling (and a dense layer). */
export function vgg(config: VggConfig = {}): tf.LayersModel {
  const shape = config.inputShape ?? [64, 64, 3];
  const stages = config.stages ?? 3;
  if (Math.min(shape[0], shape[1]) < 2 ** stages) {
    throw new Error(`vgg: input ${shape[0]}×${shape[1]} is too small for ${stages} 2×2 pools (needs at least ${2 ** stages})`);
  }
  const seed = seedStream(config.seed ?? 0);
  const base = config.baseFilters ?? 16;
  const blocks: Block[] = [rescaleBlock(config.inputScale)];
  for (let s = 0; s < stages; s++) {
    blocks.push(vggBlock({ filters: base * 2 ** s, convs: config.convsPerStage, init: config.init, seed: seed(), batchNorm: config.batchNorm, dropout: config.dropout }));
  }
  if ((config.pooling ?? 'globalAverage') === 'globalAverage') blocks.push(globalAvgPoolHead());
  else blocks.push(flattenBlock());
  if (config.featureSize !== undefined) blocks.push(denseBlock({ units: config.featureSize, activation: 'relu', init: config.init, seed: seed() }));
  return toModel(shape, compose(...blocks), 'vgg');
}
