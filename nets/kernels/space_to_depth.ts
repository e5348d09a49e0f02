// A strided conv over few channels as a stride-1 conv over many: with kernel k divisible by stride
// s, moving each s x s block of pixels into channels (space-to-depth) turns [n, h, w, c] * [k, k, c, o]
// stride s into [n, h/s, w/s, s²c] * [k/s, k/s, s²c, o] stride 1. Same multiply-adds, but XNNPACK
// runs wide channels better: the Nature CNN's first layer (8x8/4 over 4 channels) forward took 15.0
// against 17.2 ms CPU (minimum of an interleaved A/B on a loaded machine). The rearrangements are
// SIMD block transposes (see transpose.ts). 'valid' padding only.
import * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './scope.js';

type Pair = [number, number];
type Shape4 = [number, number, number, number];

export interface DepthPlan {
  stride: number;
  /** Rows and columns of x the conv reads: (out - 1) * s + k, a multiple of s. */
  rows: number;
  cols: number;
}

/** When the rewrite applies: equal strides > 1, dilation 1, 'valid', k % s == 0, few channels. */
export function depthPlan(info: tf.backend_util.Conv2DInfo, maxChannels = 16): DepthPlan | null {
  const s = info.strideHeight;
  const { padInfo: p } = info;
  if (s < 2 || info.strideWidth !== s || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (p.top !== 0 || p.bottom !== 0 || p.left !== 0 || p.right !== 0) return null;
  if (info.filterHeight % s !== 0 || info.filterWidth % s !== 0 || info.inChannels > maxChannels) return null;
  if (info.dataFormat !== 'channelsLast' || info.outHeight < 1 || info.outWidth < 1) return null;
  return {
    stride: s,
    rows: (info.outHeight - 1) * s + info.filterHeight,
    cols: (info.outWidth - 1) * s + info.filterWidth,
  };
}

/** [n, h, w, c] -> [n, rows/s, cols/s, s*s*c], channel (ry*s + rx)*c + ci, after cropping to rows x cols. */
export function spaceToDepth(s: KernelScope, x: tf.TensorInfo, plan: DepthPlan): tf.TensorInfo {
  const [n, , , c] = x.shape as Shape4;
  const st = plan.stride;
  const cropped = s.slice(x, [0, 0, 0, 0], [n, plan.rows, plan.cols, c]);
  const blocks = s.reshape(cropped, [n, plan.rows / st, st, plan.cols / st, st * c]);
  const moved = s.transpose(blocks, [0, 1, 3, 2, 4]);
  return s.reshape(moved, [n, plan.rows / st, plan.cols / st, st * st * c]);
}

/** [k, k, c, o] -> [k/s, k/s, s*s*c, o], matching spaceToDepth's channel order. */
export function filterToDepth(s: KernelScope, w: tf.TensorInfo, stride: number): tf.TensorInfo {
  const [kh, kw, c, o] = w.shape as Shape4;
  const blocks = s.reshape(w, [kh / stride, stride, kw / stride, stride * c * o]);
  const moved = s.transpose(blocks, [0, 2, 1, 3]);
  return s.reshape(moved, [kh / stride, kw / stride, stride * stride * c, o]);
}

/** Conv2D / FusedConv2D attributes for the stride-1 conv over the rewritten input. */
export function stride1Attrs(attrs: tf.NamedAttrMap): tf.NamedAttrMap {
  const one: Pair = [1, 1];
  return { ...attrs, strides: one, dilations: one, pad: 'valid' };
}
