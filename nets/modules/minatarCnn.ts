// The MinAtar DQN network: Young & Tian 2019, "MinAtar: An Atari-Inspired Testbed for … Reinforcement Learning".
import type * as tf from '@tensorflow/tfjs';
import { compose, convBlock, denseBlock, flattenBlock, toModel } from './layers.js';
import { checkActions } from './natureCnn.js';
import { seedStream } from './seeds.js';
import type { Block, Init } from './types.js';

export interface MinatarCnnConfig {
  /** Channels of the 10×10 MinAtar grid (Asterix 4, Breakout 4, Freeway 7, Seaquest 10, SpaceInvaders 6). Default 4. */
  channels?: number;
  /** Grid side. Default 10. */
  size?: number;
  /** Adds the linear Q-value layer; omit for the 128-feature encoder. */
  numActions?: number;
  /** Default 128. */
  featureSize?: number;
  /** Default 'glorotUniform'. */
  init?: Init;
  /** Default 0. */
  seed?: number;
  batchNorm?: boolean;
  dropout?: number;
}

/** 16 3×3/1 conv (valid, relu), flatten, dense 128 relu[, dense numActions]. */
export function minatarCnnBlock(config: Omit<MinatarCnnConfig, 'channels' | 'size'> = {}): Block {
  const seed = seedStream(config.seed ?? 0);
  const { init, batchNorm } = config;
  const blocks: Block[] = [
    convBlock({ filters: 16, kernelSize: 3, strides: 1, activation: 'relu', init, batchNorm, seed: seed() }),
    flattenBlock(),
    denseBlock({ units: config.featureSize ?? 128, activation: 'relu', init, batchNorm, dropout: config.dropout, seed: seed() }),
  ];
  if (config.numActions !== undefined) blocks.push(denseBlock({ units: checkActions(config.numActions), init, seed: seed() }));
  return compose(...blocks);
}

/** The MinAtar network over a size×size×channels input. */
export function minatarCnn(config: MinatarCnnConfig = {}): tf.LayersModel {
  const size = config.size ?? 10;
  if (size < 3) throw new Error(`minatarCnn: grid side must be at least 3, got ${size}`);
  return toModel([size, size, config.channels ?? 4], minatarCnnBlock(config), 'minatar_cnn');
}
