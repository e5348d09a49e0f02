// Network specs the agents' configs name, and the encoders they build (from nets/modules blocks).
import * as tf from '@tensorflow/tfjs';
import { compose, convBlock, denseBlock, flattenBlock, inputOf, rescaleBlock } from '../nets/modules/layers.js';
import { minatarCnnBlock } from '../nets/modules/minatarCnn.js';
import { mlpBlock } from '../nets/modules/mlp.js';
import { natureCnnBlock } from '../nets/modules/natureCnn.js';
import { uniqueLayerName } from '../nets/modules/naming.js';
import type { Block } from '../nets/modules/types.js';
import type { ObsInfo } from './common.js';

/**
 * The feature encoder of an agent's network.
 * - mlp: hidden dense layers (flat inputs; images are flattened).
 * - natureCnn: Mnih et al. 2015 (3 convs, dense 512); needs at least 36×36 inputs.
 * - minatarCnn: Young & Tian 2019 (one 16×3×3 conv, dense 128).
 * - smallCnn: a few strided convs and one dense layer, for small pixel frames.
 * uint8 image inputs are scaled by 1/255 first.
 */
export type NetworkSpec =
  | { type: 'mlp'; hiddenSizes: number[]; activation: 'relu' | 'tanh' }
  | { type: 'natureCnn' }
  | { type: 'minatarCnn'; featureSize: number }
  | { type: 'smallCnn'; filters: number[]; kernelSizes: number[]; strides: number[]; hidden: number };

export type NetworkType = NetworkSpec['type'];

export function checkNetworkSpec(spec: NetworkSpec, obs: ObsInfo, where: string): void {
  const type = (spec as { type?: unknown })?.type;
  if (!['mlp', 'natureCnn', 'minatarCnn', 'smallCnn'].includes(String(type)))
    throw new Error(`${where}: network.type must be one of mlp, natureCnn, minatarCnn, smallCnn; got ${JSON.stringify(type)}`);
  if (spec.type !== 'mlp' && obs.shape.length !== 3)
    throw new Error(`${where}: network '${spec.type}' needs image observations [H, W, C], got shape [${obs.shape.join(', ')}] (use an mlp)`);
  if (spec.type === 'smallCnn') {
    const n = spec.filters.length;
    if (n === 0 || spec.kernelSizes.length !== n || spec.strides.length !== n)
      throw new Error(`${where}: smallCnn needs filters, kernelSizes and strides of equal non-zero length`);
  }
  if (spec.type === 'mlp' && (!Array.isArray(spec.hiddenSizes) || spec.hiddenSizes.some((h) => !Number.isInteger(h) || h <= 0)))
    throw new Error(`${where}: network.hiddenSizes must be positive integers, got ${JSON.stringify(spec.hiddenSizes)}`);
}

/** The encoder as a block over a [batch, ...obs.shape] input; it ends in a [batch, features] tensor. */
export function encoderBlock(spec: NetworkSpec, obs: ObsInfo, seed: number): Block {
  const scale = obs.image ? 1 / 255 : undefined;
  switch (spec.type) {
    case 'mlp':
      return compose(rescaleBlock(scale), flattenBlock(), mlpBlock({ hiddenSizes: spec.hiddenSizes, activation: spec.activation, seed }));
    case 'natureCnn':
      return natureCnnBlock({ inputScale: scale, seed });
    case 'minatarCnn':
      return compose(rescaleBlock(scale), minatarCnnBlock({ featureSize: spec.featureSize, seed }));
    case 'smallCnn': {
      const blocks: Block[] = [rescaleBlock(scale)];
      spec.filters.forEach((filters, i) => {
        blocks.push(convBlock({ filters, kernelSize: spec.kernelSizes[i]!, strides: spec.strides[i]!, activation: 'relu', seed: seed + i + 1 }));
      });
      blocks.push(flattenBlock(), denseBlock({ units: spec.hidden, activation: 'relu', seed: seed + 100 }));
      return compose(...blocks);
    }
  }
}

/** A model from the observation input through `block` to the outputs `heads` make of the features. */
export function buildModel(obs: ObsInfo, body: Block, heads: (features: tf.SymbolicTensor) => tf.SymbolicTensor[], name: string): tf.LayersModel {
  const input = inputOf(obs.shape);
  const outputs = heads(body(input));
  return tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0]! : outputs, name: uniqueLayerName(name) });
}

/** True when every layer is one `compileDenseForward` handles (no convolutions, no recurrence). */
export function isDenseModel(model: tf.LayersModel): boolean {
  const ok = new Set(['InputLayer', 'Dense', 'Activation', 'ReLU', 'Flatten', 'Dropout', 'Rescaling', 'PixelgymDuelingCombine', 'PixelgymLogStdParameter']);
  const check = (m: tf.LayersModel): boolean => m.layers.every((l) => (l instanceof tf.LayersModel ? check(l) : ok.has(l.getClassName())));
  return check(model);
}
