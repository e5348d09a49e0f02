// Transfer learning (cs231n ch. 6.7): reuse a trained conv trunk as an agent's encoder, frozen (train
// only the new head) or fine-tuned (train everything, starting from the pretrained weights).
import * as tf from '@tensorflow/tfjs';
import type { ResolvedCnnConfig } from './cnn.js';

export interface TransferOptions {
  /** Mark the copied layers non-trainable. Default true. */
  freeze?: boolean;
}

export interface TransferReport {
  /** Names of the target layers that received weights. */
  readonly layers: readonly string[];
  /** Scalars copied. */
  readonly parameters: number;
  readonly frozen: boolean;
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
 * pair is checked before anything is written. With `freeze`, the copied layers stop training: their
 * variables are marked non-trainable, so `tf.variableGrads` gives them no gradient even when an
 * optimizer's variable list still names them.
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
  let parameters = 0;
  const freeze = options.freeze ?? true;
  from.forEach((s, i) => {
    const t = to[i]!;
    tf.tidy(() => t.setWeights(s.getWeights()));
    parameters += s.countParams();
    t.trainable = !freeze;
  });
  return { layers: to.slice(0, from.length).map((l) => l.name), parameters, frozen: freeze };
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
