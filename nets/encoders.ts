// Swappable feature encoders and heads described by plain, serializable specs (so a checkpoint can record
// which network it holds); cs231n ch. 6.7 (transfer learning: reuse an encoder, train a new head).
import * as tf from '@tensorflow/tfjs';
import { attachHead, categoricalPolicyHead, duelingQHead, gaussianPolicyHead, qHead, valueHead } from './modules/heads.js';
import type { CategoricalPolicyHeadConfig, DuelingQHeadConfig, GaussianPolicyHeadConfig, Head, QHeadConfig, ValueHeadConfig } from './modules/heads.js';
import { impala, type ImpalaConfig } from './modules/impala.js';
import { inception, type InceptionConfig } from './modules/inception.js';
import { minatarCnn, type MinatarCnnConfig } from './modules/minatarCnn.js';
import { mlp, type MlpConfig } from './modules/mlp.js';
import { natureCnn, type NatureCnnConfig } from './modules/natureCnn.js';
import { resnet, type ResnetConfig } from './modules/resnet.js';
import { vgg, type VggConfig } from './modules/vgg.js';

/** An encoder by name with its config; every encoder maps one input to a [batch, features] output. */
export type EncoderSpec =
  | { name: 'mlp'; config: MlpConfig }
  | { name: 'natureCnn'; config?: NatureCnnConfig }
  | { name: 'minatarCnn'; config?: MinatarCnnConfig }
  | { name: 'impala'; config?: ImpalaConfig }
  | { name: 'vgg'; config?: VggConfig }
  | { name: 'inception'; config?: InceptionConfig }
  | { name: 'resnet'; config?: ResnetConfig };

export type EncoderName = EncoderSpec['name'];

/** A head by name with its config. */
export type HeadSpec =
  | { name: 'q'; config: QHeadConfig }
  | { name: 'duelingQ'; config: DuelingQHeadConfig }
  | { name: 'categorical'; config: CategoricalPolicyHeadConfig }
  | { name: 'gaussian'; config: GaussianPolicyHeadConfig }
  | { name: 'value'; config?: ValueHeadConfig };

/** A whole network: an encoder and, optionally, a head on its features. */
export interface NetSpec {
  encoder: EncoderSpec;
  head?: HeadSpec;
}

/** Builds the encoder a spec names, or checks and returns a user's own single-input, single-output model. */
export function makeEncoder(spec: EncoderSpec | tf.LayersModel): tf.LayersModel {
  if (spec instanceof tf.LayersModel) {
    if (spec.inputs.length !== 1 || spec.outputs.length !== 1) {
      throw new Error(`makeEncoder: model ${spec.name} must have one input and one output (has ${spec.inputs.length} and ${spec.outputs.length})`);
    }
    return spec;
  }
  switch (spec.name) {
    case 'mlp':
      return mlp(spec.config);
    case 'natureCnn':
      return natureCnn(spec.config);
    case 'minatarCnn':
      return minatarCnn(spec.config);
    case 'impala':
      return impala(spec.config);
    case 'vgg':
      return vgg(spec.config);
    case 'inception':
      return inception(spec.config);
    case 'resnet':
      return resnet(spec.config);
    default: {
      const name = (spec as { name?: unknown }).name;
      throw new Error(`makeEncoder: unknown encoder '${String(name)}' (mlp, natureCnn, minatarCnn, impala, vgg, inception, resnet)`);
    }
  }
}

/** The head block a spec names. */
export function makeHead(spec: HeadSpec): Head {
  switch (spec.name) {
    case 'q':
      return qHead(spec.config);
    case 'duelingQ':
      return duelingQHead(spec.config);
    case 'categorical':
      return categoricalPolicyHead(spec.config);
    case 'gaussian':
      return gaussianPolicyHead(spec.config);
    case 'value':
      return valueHead(spec.config);
    default: {
      const name = (spec as { name?: unknown }).name;
      throw new Error(`makeHead: unknown head '${String(name)}' (q, duelingQ, categorical, gaussian, value)`);
    }
  }
}

/** Encoder plus head as one model (the encoder nested, see attachHead); just the encoder without a head. */
export function buildNet(spec: NetSpec): tf.LayersModel {
  const encoder = makeEncoder(spec.encoder);
  return spec.head === undefined ? encoder : attachHead(encoder, makeHead(spec.head));
}
