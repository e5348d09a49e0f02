// Global average pooling head: one number per channel instead of a huge flatten+dense (Lin et al. 2014,
// "Network in Network"; GoogLeNet's classifier, cs231n ch. 8.3).
import * as tf from '@tensorflow/tfjs';
import { applyLayer, denseBlock } from './layers.js';
import { uniqueLayerName } from './naming.js';
import type { Activation, Block, Init } from './types.js';

export interface GlobalAvgPoolHeadConfig {
  /** A dense layer after the pooling; omit to output the [batch, channels] averages. */
  outputSize?: number;
  /** Activation of that dense layer. Default 'linear'. */
  activation?: Activation;
  init?: Init;
  seed?: number;
}

/** [batch, H, W, C] → [batch, C] (mean over H and W) → optional dense. */
export function globalAvgPoolHead(config: GlobalAvgPoolHeadConfig = {}): Block {
  return (x) => {
    if (x.shape.length !== 4) throw new Error(`globalAvgPoolHead expects [batch, H, W, C], got [${x.shape.join(', ')}]`);
    const pooled = applyLayer(tf.layers.globalAveragePooling2d({ name: uniqueLayerName('global_avg_pool') }), x);
    if (config.outputSize === undefined) return pooled;
    return denseBlock({ units: config.outputSize, activation: config.activation, init: config.init, seed: config.seed ?? 0 })(pooled);
  };
}
