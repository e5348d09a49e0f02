// Multi-layer perceptron: affine layers with a nonlinearity between them (cs231n ch. 4).
import type * as tf from '@tensorflow/tfjs';
import { fuseDenseStacks } from '../kernels/dense_stack_model.js';
import { checkActivation, compose, denseBlock, toModel } from './layers.js';
import { seedStream } from './seeds.js';
import type { Activation, Block, Init } from './types.js';

export interface MlpBlockConfig {
  /** Widths of the hidden layers. Default [64, 64]. */
  hiddenSizes?: number[];
  /** Size of a final affine layer; omit to end at the last hidden layer (a feature encoder). */
  outputSize?: number;
  /** Nonlinearity after each hidden layer. Default 'relu'. */
  activation?: Activation;
  /** Nonlinearity after the output layer. Default 'linear'. */
  outputActivation?: Activation;
  /** Weight initialization of every layer. Default 'glorotUniform'; biases start at zero. */
  init?: Init;
  /** Seed of the initializers. Default 0. */
  seed?: number;
  /** Batch norm after each hidden affine layer. Default false. */
  batchNorm?: boolean;
  /** Dropout rate after each hidden layer. Default 0. */
  dropout?: number;
}

export interface MlpConfig extends MlpBlockConfig {
  /** Length of the flat input vector. */
  inputSize: number;
  /**
   * Run the dense layers as one fused kernel (forward and gradient): 'wasm' (the default) on the wasm
   * back end only, true on wasm and cpu, false never. The layers, weights and saved model are the same
   * either way; outputs agree with the plain layers to float32 rounding, not bit for bit, so by default
   * cpu (where tests compare models bit for bit) keeps the plain layers.
   */
  fused?: boolean | 'wasm';
}

/** The MLP as a composable block over a [batch, features] input. */
export function mlpBlock(config: MlpBlockConfig = {}): Block {
  const hidden = config.hiddenSizes ?? [64, 64];
  for (const h of hidden) {
    if (!Number.isInteger(h) || h <= 0) throw new Error(`mlp: hidden sizes must be positive integers, got [${hidden.join(', ')}]`);
  }
  if (config.outputSize !== undefined && (!Number.isInteger(config.outputSize) || config.outputSize <= 0)) {
    throw new Error(`mlp: outputSize must be a positive integer, got ${config.outputSize}`);
  }
  if (hidden.length === 0 && config.outputSize === undefined) throw new Error('mlp: needs hidden layers or an outputSize');
  const activation = checkActivation(config.activation ?? 'relu', 'mlp');
  const outputActivation = checkActivation(config.outputActivation ?? 'linear', 'mlp output');
  const seed = seedStream(config.seed ?? 0);
  const layers: Block[] = hidden.map((units) =>
    denseBlock({ units, activation, init: config.init, seed: seed(), batchNorm: config.batchNorm, dropout: config.dropout }),
  );
  if (config.outputSize !== undefined) {
    layers.push(denseBlock({ units: config.outputSize, activation: outputActivation, init: config.init, seed: seed() }));
  }
  return compose(...layers);
}

/** An MLP model: [batch, inputSize] → [batch, outputSize or last hidden size]. */
export function mlp(config: MlpConfig): tf.LayersModel {
  if (!Number.isInteger(config.inputSize) || config.inputSize <= 0) {
    throw new Error(`mlp: inputSize must be a positive integer, got ${config.inputSize}`);
  }
  const model = toModel([config.inputSize], mlpBlock(config), 'mlp');
  const fused = config.fused ?? 'wasm';
  if (fused !== true && fused !== false && fused !== 'wasm') throw new Error(`mlp: fused must be true, false or 'wasm', got ${String(fused)}`);
  if (fused === false) return model;
  return fuseDenseStacks(model, { backends: fused === 'wasm' ? ['wasm'] : ['wasm', 'cpu'] });
}
