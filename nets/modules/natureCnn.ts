// The DQN network of Mnih et al. 2015, "Human-level control through deep reinforcement learning" (Nature).
import type * as tf from '@tensorflow/tfjs';
import { compose, convBlock, denseBlock, flattenBlock, rescaleBlock, toModel } from './layers.js';
import { seedStream } from './seeds.js';
import type { Block, ImageShape, Init } from './types.js';

export interface NatureCnnConfig {
  /** Input height × width × channels. Default [84, 84, 4] (four stacked 84×84 gray frames). */
  inputShape?: ImageShape;
  /** Adds the linear Q-value layer with this many outputs; omit for the 512-feature encoder. */
  numActions?: number;
  /** Width of the hidden dense layer. Default 512. */
  featureSize?: number;
  /** Multiplies the input first (1/255 for raw uint8 pixels). Default: no scaling. */
  inputScale?: number;
  /** Default 'glorotUniform'. */
  init?: Init;
  /** Default 0. */
  seed?: number;
  /** Batch norm after each conv and the dense layer (not in the paper). Default false. */
  batchNorm?: boolean;
  /** Dropout rate after the dense layer (not in the paper). Default 0. */
  dropout?: number;
}

/** The paper's convolutions (valid padding, relu). */
export const natureCnnConvs: readonly { filters: number; kernelSize: number; strides: number }[] = [
  { filters: 32, kernelSize: 8, strides: 4 },
  { filters: 64, kernelSize: 4, strides: 2 },
  { filters: 64, kernelSize: 3, strides: 1 },
];

/** 32 8×8/4, 64 4×4/2, 64 3×3/1 convs (valid padding, relu), flatten, dense 512 relu[, dense numActions]. */
export function natureCnnBlock(config: Omit<NatureCnnConfig, 'inputShape'> = {}): Block {
  const seed = seedStream(config.seed ?? 0);
  const { init, batchNorm } = config;
  const blocks: Block[] = [
    rescaleBlock(config.inputScale),
    ...natureCnnConvs.map((c) => convBlock({ ...c, activation: 'relu', init, batchNorm, seed: seed() })),
    flattenBlock(),
    denseBlock({ units: config.featureSize ?? 512, activation: 'relu', init, batchNorm, dropout: config.dropout, seed: seed() }),
  ];
  if (config.numActions !== undefined) blocks.push(denseBlock({ units: checkActions(config.numActions), init, seed: seed() }));
  return compose(...blocks);
}

/** The Nature DQN as a model; with 6 actions on 84×84×4 it has 1,687,206 parameters. */
export function natureCnn(config: NatureCnnConfig = {}): tf.LayersModel {
  const shape = config.inputShape ?? [84, 84, 4];
  // Three valid convs shrink a side s to ((s-8)/4+1 - 4)/2+1 - 2; it must stay ≥ 1.
  const side = (s: number) => Math.floor((Math.floor((s - 8) / 4) + 1 - 4) / 2) + 1 - 2;
  if (side(shape[0]) < 1 || side(shape[1]) < 1) {
    throw new Error(`natureCnn: input ${shape[0]}×${shape[1]} is too small (needs at least 36×36)`);
  }
  return toModel(shape, natureCnnBlock(config), 'nature_cnn');
}

export function checkActions(n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`numActions must be a positive integer, got ${n}`);
  return n;
}
