// Output heads for value-based and policy-gradient agents (cs231n ch. 13: Q-networks, policy gradients,
// actor-critic). Dueling: Wang et al. 2016.
import * as tf from '@tensorflow/tfjs';
import { DuelingCombine, LogStdParameter } from './headLayers.js';
import { applyLayer, compose, denseBlock, inlineModel } from './layers.js';
import { uniqueLayerName } from './naming.js';
import { checkActions } from './natureCnn.js';
import { seedStream } from './seeds.js';
import type { Activation, Block, Init } from './types.js';

export interface QHeadConfig {
  numActions: number;
  /** Default 'glorotUniform'. */
  init?: Init;
  seed?: number;
}

/** Linear Q-values: [batch, features] → [batch, numActions]. */
export function qHead(config: QHeadConfig): Block {
  return denseBlock({ units: checkActions(config.numActions), init: config.init, seed: config.seed ?? 0, name: uniqueLayerName('q_values') });
}

export interface DuelingQHeadConfig extends QHeadConfig {
  /** Hidden widths of each stream before its output (the paper uses 512). Default [] (linear streams). */
  hiddenSizes?: number[];
  /** Activation of the hidden stream layers. Default 'relu'. */
  activation?: Activation;
}

/** Q = V + A − mean(A), with separate value and advantage streams. */
export function duelingQHead(config: DuelingQHeadConfig): Block {
  const n = checkActions(config.numActions);
  const seed = seedStream(config.seed ?? 0);
  const stream = (units: number, name: string): Block =>
    compose(
      ...(config.hiddenSizes ?? []).map((h) => denseBlock({ units: h, activation: config.activation ?? 'relu', init: config.init, seed: seed() })),
      denseBlock({ units, init: config.init, seed: seed(), name: uniqueLayerName(name) }),
    );
  const value = stream(1, 'dueling_value');
  const advantage = stream(n, 'dueling_advantage');
  return (x) => applyLayer(new DuelingCombine({ name: uniqueLayerName('dueling_q') }), [value(x), advantage(x)]);
}

export interface CategoricalPolicyHeadConfig {
  numActions: number;
  /** Default 'smallRandom': near-zero logits start the policy close to uniform. */
  init?: Init;
  seed?: number;
}

/** Unnormalized log-probabilities of a categorical policy: [batch, features] → [batch, numActions]. */
export function categoricalPolicyHead(config: CategoricalPolicyHeadConfig): Block {
  return denseBlock({ units: checkActions(config.numActions), init: config.init ?? 'smallRandom', seed: config.seed ?? 0, name: uniqueLayerName('policy_logits') });
}

export interface GaussianPolicyHeadConfig {
  /** Number of continuous action dimensions. */
  actionSize: number;
  /** Starting log σ. Default 0. */
  initLogStd?: number;
  /** Init of the mean layer. Default 'smallRandom'. */
  init?: Init;
  seed?: number;
}

/** Gaussian policy: [mean [batch, actionSize], logStd [batch, actionSize]], logStd a state-independent parameter. */
export function gaussianPolicyHead(config: GaussianPolicyHeadConfig): (x: tf.SymbolicTensor) => [tf.SymbolicTensor, tf.SymbolicTensor] {
  const size = config.actionSize;
  if (!Number.isInteger(size) || size <= 0) throw new Error(`gaussianPolicyHead: actionSize must be a positive integer, got ${size}`);
  return (x) => {
    const mean = denseBlock({ units: size, init: config.init ?? 'smallRandom', seed: config.seed ?? 0, name: uniqueLayerName('policy_mean') })(x);
    const logStd = applyLayer(new LogStdParameter({ size, initLogStd: config.initLogStd, name: uniqueLayerName('policy_log_std') }), x);
    return [mean, logStd];
  };
}

export interface ValueHeadConfig {
  /** Default 'glorotUniform'. */
  init?: Init;
  seed?: number;
}

/** State value V(s): [batch, features] → [batch, 1]. */
export function valueHead(config: ValueHeadConfig = {}): Block {
  return denseBlock({ units: 1, init: config.init, seed: config.seed ?? 0, name: uniqueLayerName('value') });
}

/** Output blocks a head may return: one tensor or several (the Gaussian head's mean and log-std). */
export type Head = (x: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[];

/**
 * A model that runs `encoder`'s layers and then `head`. The encoder's layers are shared, not copied:
 * several heads on one encoder (actor and critic) train the same weights, and `freeze(encoder)` freezes
 * them in every such model. Each model can be disposed on its own; the weights go with the last user.
 */
export function attachHead(encoder: tf.LayersModel, head: Head, name = 'net'): tf.LayersModel {
  if (encoder.inputs.length !== 1 || encoder.outputs.length !== 1) {
    throw new Error(`attachHead: encoder ${encoder.name} must have one input and one output`);
  }
  const input = tf.input({ shape: encoder.inputs[0]!.shape.slice(1) as number[], name: uniqueLayerName('input') });
  const [features] = inlineModel(encoder, [input]);
  return tf.model({ inputs: input, outputs: head(features!), name: uniqueLayerName(name) });
}
