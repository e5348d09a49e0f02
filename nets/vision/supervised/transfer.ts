// Transfer learning (cs231n ch. 6.7): reuse a trained conv trunk as an agent's encoder, frozen (train
// only the new head) or fine-tuned (train everything, starting from the pretrained weights).
// Agents also take a trunk directly, before they build their nets: network: { type: 'pretrained',
// source: trunk, freeze } (agents/networks.ts). This file copies into a net that already exists.
import * as tf from '@tensorflow/tfjs';
import type { ResolvedCnnConfig } from './cnn.js';

/**
 * Which copied layers stop training: 'all' (a fixed feature extractor: only the new head learns),
 * 'convs' (the convolutions only; the dense feature layer keeps learning, cs231n's "freeze the
 * conv base"), or 'none' (fine-tune everything from the pretrained start).
 */
export type FreezeMode = 'all' | 'convs' | 'none';

export const FREEZE_MODES: readonly FreezeMode[] = ['all', 'convs', 'none'];

export interface TransferOptions {
  /** Default 'all'. */
  freeze?: FreezeMode;
  /**
   * Multiply the last copied layer's kernel and bias by this (> 0), scaling the encoder's output by
   * exactly this factor when that layer's activation is relu or linear. Default 1. A classifier's
   * features can be large (tens); a new head starts better on features of unit scale (see `featureRms`).
   */
  outputScale?: number;
}

export interface TransferReport {
  /** Names of the target layers that received weights. */
  readonly layers: readonly string[];
  /** Names of the target layers marked non-trainable. */
  readonly frozen: readonly string[];
  /** Scalars copied. */
  readonly parameters: number;
}

/** Layers that own weights, nested models walked in order. */
function weightedLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) out.push(...weightedLayers(layer));
    else if (layer.weights.length > 0) out.push(layer);
  }
  return out;
}

/**
 * Copies `source`'s weights into the first weighted layers of `target`, layer by layer in order (a
 * trunk into a network that starts with the same layers: same kinds, same weight shapes). Every
 * pair is checked before anything is written. Frozen layers' variables are marked non-trainable, so
 * `tf.variableGrads` gives them no gradient even when an optimizer's variable list still names them.
 * Note that tfjs lists a model's trainable weights before the others, so freezing reorders
 * `model.weights`: freeze a DQN's online and target nets alike before copying between them.
 */
export function transferEncoder(source: tf.LayersModel, target: tf.LayersModel, options: TransferOptions = {}): TransferReport {
  if (!(source instanceof tf.LayersModel) || !(target instanceof tf.LayersModel)) throw new TypeError('transferEncoder: source and target must be tf.LayersModel');
  const from = weightedLayers(source);
  const to = weightedLayers(target);
  if (from.length === 0) throw new Error(`transferEncoder: ${source.name} has no weights`);
  if (to.length < from.length) throw new Error(`transferEncoder: ${target.name} has ${to.length} weighted layers, fewer than the ${from.length} of ${source.name}`);
  from.forEach((s, i) => {
    const t = to[i]!;
    if (s.getClassName() !== t.getClassName()) throw new Error(`transferEncoder: layer ${i} is a ${s.getClassName()} (${s.name}) in the source but a ${t.getClassName()} (${t.name}) in the target`);
    const a = s.weights.map((w) => w.shape.join('×'));
    const b = t.weights.map((w) => w.shape.join('×'));
    if (a.join() !== b.join()) throw new Error(`transferEncoder: ${s.name} has weights [${a.join(', ')}] but ${t.name} has [${b.join(', ')}]`);
  });
  const mode = options.freeze ?? 'all';
  if (!FREEZE_MODES.includes(mode)) throw new RangeError(`transferEncoder: freeze must be one of ${FREEZE_MODES.join(', ')}, got ${String(mode)}`);
  const scale = options.outputScale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`transferEncoder: outputScale must be a positive number, got ${String(options.outputScale)}`);
  const last = from[from.length - 1]!;
  const activation = (last.getConfig() as { activation?: unknown }).activation;
  if (scale !== 1 && activation !== 'relu' && activation !== 'linear')
    throw new Error(`transferEncoder: outputScale needs a relu or linear last layer (scaling commutes with it), ${last.name} uses ${String(activation)}`);
  let parameters = 0;
  const frozen: string[] = [];
  from.forEach((s, i) => {
    const t = to[i]!;
    tf.tidy(() => t.setWeights(i === from.length - 1 && scale !== 1 ? s.getWeights().map((w) => w.mul(scale)) : s.getWeights()));
    parameters += s.countParams();
    const freeze = mode === 'all' || (mode === 'convs' && /^(Conv|DepthwiseConv|SeparableConv)/.test(t.getClassName()));
    t.trainable = !freeze;
    if (freeze) frozen.push(t.name);
  });
  return { layers: to.slice(0, from.length).map((l) => l.name), frozen, parameters };
}

/** Root mean square of `model`'s output over a flat [N, ...inputShape] batch of inputs. */
export function featureRms(model: tf.LayersModel, inputs: Float32Array, inputShape: readonly number[]): number {
  const d = inputShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / d;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`featureRms: ${inputs.length} values are not whole inputs of [${inputShape.join(', ')}]`);
  const rms = tf.tidy(() => (model.predict(tf.tensor(inputs, [n, ...inputShape]), { batchSize: 256 }) as tf.Tensor).square().mean().sqrt());
  const v = rms.dataSync()[0]!;
  rms.dispose();
  return v;
}

/**
 * The agents' `smallCnn` network spec with the classifier trunk's architecture (relu convs, valid
 * padding, flatten, dense relu), so an agent built from it can take the trunk's weights.
 */
export function smallCnnSpecOf(config: ResolvedCnnConfig): { type: 'smallCnn'; filters: number[]; kernelSizes: number[]; strides: number[]; hidden: number } {
  if (config.activation !== 'relu') throw new Error(`smallCnnSpecOf: agents' smallCnn uses relu, the trunk uses ${config.activation}`);
  return {
    type: 'smallCnn',
    filters: config.convs.map((c) => c.filters),
    kernelSizes: config.convs.map((c) => c.kernelSize),
    strides: config.convs.map((c) => c.strides ?? 1),
    hidden: config.features,
  };
}
