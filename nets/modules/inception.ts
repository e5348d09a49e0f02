// The Inception module of GoogLeNet: Szegedy et al. 2015, "Going deeper with convolutions" (cs231n ch. 8.3).
import * as tf from '@tensorflow/tfjs';
import { applyLayer, compose, convBlock, denseBlock, rescaleBlock, toModel } from './layers.js';
import { globalAvgPoolHead } from './pooling.js';
import { uniqueLayerName } from './naming.js';
import { seedStream } from './seeds.js';
import type { Block, ImageShape, Init } from './types.js';

export interface InceptionBlockConfig {
  /** Channels of the 1×1 branch. Default 16. */
  filters1x1?: number;
  /** 1×1 reduction before the 3×3 branch. Default 16. */
  reduce3x3?: number;
  /** Channels of the 3×3 branch. Default 24. */
  filters3x3?: number;
  /** 1×1 reduction before the 5×5 branch. Default 4. */
  reduce5x5?: number;
  /** Channels of the 5×5 branch. Default 8. */
  filters5x5?: number;
  /** 1×1 projection after the 3×3 max-pool branch. Default 8. */
  poolProjection?: number;
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
}

/**
 * Four parallel branches, all same-padded relu: 1×1; 1×1→3×3; 1×1→5×5; 3×3 max-pool→1×1, concatenated
 * along channels. The 1×1 reductions keep the 3×3 and 5×5 convs cheap.
 */
export function inceptionBlock(config: InceptionBlockConfig = {}): Block {
  const seed = seedStream(config.seed ?? 0);
  const { init, batchNorm } = config;
  const conv = (filters: number, kernelSize: number) =>
    convBlock({ filters, kernelSize, padding: 'same', activation: 'relu', init, batchNorm, seed: seed() });
  const b1 = conv(config.filters1x1 ?? 16, 1);
  const b3 = compose(conv(config.reduce3x3 ?? 16, 1), conv(config.filters3x3 ?? 24, 3));
  const b5 = compose(conv(config.reduce5x5 ?? 4, 1), conv(config.filters5x5 ?? 8, 5));
  const pool = compose(
    (x) => applyLayer(tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same', name: uniqueLayerName('max_pool') }), x),
    conv(config.poolProjection ?? 8, 1),
  );
  return (x) => applyLayer(tf.layers.concatenate({ axis: -1, name: uniqueLayerName('inception_concat') }), [b1(x), b3(x), b5(x), pool(x)]);
}

export interface InceptionConfig {
  /** Default [32, 32, 3]. */
  inputShape?: ImageShape;
  /** Channels of the 3×3 stem conv (stride 2). Default 16. */
  stemFilters?: number;
  /** Inception blocks after the stem. Default 2. */
  blocks?: number;
  /** Branch widths of every block. */
  block?: Omit<InceptionBlockConfig, 'seed' | 'init' | 'batchNorm'>;
  /** A dense relu layer after the global average pool; omit to output the pooled channels. */
  featureSize?: number;
  inputScale?: number;
  init?: Init;
  seed?: number;
  batchNorm?: boolean;
}

/** A small GoogLeNet-like encoder: stem conv, inception blocks, global average pool (and a dense layer). */
export function inception(config: InceptionConfig = {}): tf.LayersModel {
  const seed = seedStream(config.seed ?? 0);
  const { init, batchNorm } = config;
  const blocks: Block[] = [
    rescaleBlock(config.inputScale),
    convBlock({ filters: config.stemFilters ?? 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', init, batchNorm, seed: seed() }),
  ];
  for (let i = 0; i < (config.blocks ?? 2); i++) blocks.push(inceptionBlock({ ...config.block, init, batchNorm, seed: seed() }));
  blocks.push(globalAvgPoolHead());
  if (config.featureSize !== undefined) blocks.push(denseBlock({ units: config.featureSize, activation: 'relu', init, seed: seed() }));
  return toModel(config.inputShape ?? [32, 32, 3], compose(...blocks), 'inception');
}
