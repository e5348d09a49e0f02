// Conv2DBackpropInput and Conv2DBackpropFilter for the wasm back end, written as forward convolutions
// so they run on XNNPACK's fast conv instead of the back end's slow loop (input gradient) or not at
// all (filter gradient, which the wasm back end lacks). NHWC only, as is the wasm Conv2D.
import * as tf from '@tensorflow/tfjs';
import { conv2dInputGradCol2im } from './col2im.js';
import { convTiles, convTilesApply, inputGradTiles, inputGradTilesApply } from './conv_tiles.js';
import { filterGradTiles, filterGradTilesApply } from './filter_grad_tiles.js';
import { filterGradPlan, stride1InputGradPlan, stridedInputGradPlan, type AxisConv } from './conv_geometry.js';
import { byteOffset, f32View, heapBuffer } from './heap.js';
import { withScope, type KernelScope, type WasmBackendLike } from './scope.js';
import { depthPlan, filterToDepth, spaceToDepth, stride1Attrs } from './space_to_depth.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Pair = [number, number];
type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: number | Pair;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | Pair;
}

function pair(v: number | Pair | undefined): Pair {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

function axes(info: tf.backend_util.Conv2DInfo): [AxisConv, AxisConv] {
  return [
    {
      inSize: info.inHeight,
      outSize: info.outHeight,
      kernel: info.filterHeight,
      stride: info.strideHeight,
      dilation: info.dilationHeight,
      padBefore: info.padInfo.top,
    },
    {
      inSize: info.inWidth,
      outSize: info.outWidth,
      kernel: info.filterWidth,
      stride: info.strideWidth,
      dilation: info.dilationWidth,
      padBefore: info.padInfo.left,
    },
  ];
}

function conv(
  s: KernelScope,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: Pair,
  dilations: Pair,
  pads: [Pair, Pair],
): tf.TensorInfo {
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], pads[0], pads[1], [0, 0]];
  return s.runOriginal('Conv2D', { x, filter }, { strides, pad, dilations, dataFormat: 'NHWC', dimRoundingMode: 'floor' });
}

/** Trims rows/cols of an NHWC tensor (`crop[axis] = [before, after]`). */
function crop(s: KernelScope, x: tf.TensorInfo, h: Pair, w: Pair): tf.TensorInfo {
  const [n, rows, cols, c] = x.shape as [number, number, number, number];
  return s.slice(x, [0, h[0], w[0], 0], [n, rows - h[0] - h[1], cols - w[0] - w[1], c]);
}

/**
 * The kernel the input gradient convolves dy with, shape [th, tw, outC, sh*sw*inC]:
 * out[jh, jw, o, (rh*sw + rw)*inC + c] = w[rh + sh*(th-1-jh), rw + sw*(tw-1-jw), c, o], zero past the
 * kernel. With strides 1 this is the flipped, channel-swapped kernel.
 */
function inputGradKernel(
  s: KernelScope,
  filter: tf.TensorInfo,
  strides: Pair,
  taps: Pair,
): tf.TensorInfo {
  const [kh, kw, inC, outC] = filter.shape as [number, number, number, number];
  const [sh, sw] = strides;
  const [th, tw] = taps;
  const groups = sh * sw;
  const out = s.backend.makeOutput([th, tw, outC, groups * inC], 'float32');
  s.track(out);
  const w = f32View(s.backend, filter);
  const o = f32View(s.backend, out);
  o.fill(0);
  for (let jh = 0; jh < th; jh++) {
    for (let rh = 0; rh < sh; rh++) {
      const ky = rh + sh * (th - 1 - jh);
      if (ky >= kh) continue;
      for (let jw = 0; jw < tw; jw++) {
        for (let rw = 0; rw < sw; rw++) {
          const kx = rw + sw * (tw - 1 - jw);
          if (kx >= kw) continue;
          const group = rh * sw + rw;
          const src = (ky * kw + kx) * inC * outC;
          const dstBase = (jh * tw + jw) * outC * groups * inC + group * inC;
          for (let c = 0; c < inC; c++) {
            const srcC = src + c * outC;
            let dst = dstBase + c;
            for (let oc = 0; oc < outC; oc++, dst += groups * inC) o[dst] = w[srcC + oc]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Interleaves the stride² sub-results [n, qh, qw, sh*sw*c] into the input gradient [n, h, w, c]:
 * row y, col x comes from block (rh, rw) of cell (u, v) where y + start = u*sh + rh (and likewise
 * for x). One pass of c-float copies; replaces DepthToSpace + Slice (the wasm DepthToSpace is a
 * slow generic loop: 21 ms for Nature-CNN layer 2's gradient against ~1 ms here).
 */
function interleave(s: KernelScope, parts: tf.TensorInfo, strides: Pair, start: Pair, outShape: Shape4): tf.TensorInfo {
  const [n, h, w, c] = outShape;
  const [sh, sw] = strides;
  const [, qh, qw, depth] = parts.shape as Shape4;
  const out = s.track(s.backend.makeOutput(outShape, 'float32'));
  const heap = new Float32Array(heapBuffer(s.backend));
  const src0 = byteOffset(s.backend, parts) / 4;
  const dst0 = byteOffset(s.backend, out) / 4;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const p = y + start[0];
      const u = Math.floor(p / sh);
      const rowBase = src0 + (b * qh + u) * qw * depth + (p - u * sh) * sw * c;
      let to = dst0 + (b * h + y) * w * c;
      for (let x = 0; x < w; x++, to += c) {
        const q = x + start[1];
        const v = Math.floor(q / sw);
        const from = rowBase + v * depth + (q - v * sw) * c;
        heap.copyWithin(to, from, from + c);
      }
    }
  }
  return out;
}

export type InputGradMethod = 'auto' | 'conv' | 'col2im' | 'tiles';

export function conv2dInputGrad(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  attrs: ConvAttrs,
  method: InputGradMethod = 'auto',
): tf.TensorInfo {
  const dilations = pair(attrs.dilations);
  const strides = pair(attrs.strides);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if ((method === 'auto' || method === 'tiles') && inputGradTilesApply(backend, info)) return inputGradTiles(backend, dy, filter, info);
  if (method === 'tiles') throw new Error('pixelgym Conv2DBackpropInput: the tiled kernel needs a valid, undilated NHWC conv, input channels % 8 == 0 and wasm SIMD');
  if (method !== 'conv') {
    const viaCols = conv2dInputGradCol2im(backend, dy, filter, info);
    if (viaCols) return viaCols;
  }
  const [ah, aw] = axes(info);
  return withScope(backend, (s) => {
    if (strides[0] === 1 && strides[1] === 1) {
      const ph = stride1InputGradPlan(ah);
      const pw = stride1InputGradPlan(aw);
      const k = inputGradKernel(s, filter, [1, 1], [info.filterHeight, info.filterWidth]);
      const d = crop(s, dy, [ph.cropBefore, ph.cropAfter], [pw.cropBefore, pw.cropAfter]);
      return conv(s, d, k, [1, 1], dilations, [
        [ph.padBefore, ph.padAfter],
        [pw.padBefore, pw.padAfter],
      ]);
    }
    if (dilations[0] !== 1 || dilations[1] !== 1) {
      throw new Error('pixelgym Conv2DBackpropInput: strides and dilations cannot both exceed 1');
    }
    const ph = stridedInputGradPlan(ah);
    const pw = stridedInputGradPlan(aw);
    const k = inputGradKernel(s, filter, strides, [ph.taps, pw.taps]);
    const d = crop(s, dy, [ph.cropBefore, ph.cropAfter], [pw.cropBefore, pw.cropAfter]);
    const parts = conv(s, d, k, [1, 1], [1, 1], [
      [ph.padBefore, ph.padAfter],
      [pw.padBefore, pw.padAfter],
    ]);
    return interleave(s, parts, strides, [ph.sliceStart, pw.sliceStart], inputShape);
  });
}

/**
 * dW[ky,kx,c,o] = sum_{n,oy,ox} x[n, oy*s + ky*d - pad, ., c] * dy[n,oy,ox,o]: a conv over x with
 * channels as batch and batch as channels, dy as the kernel, strides and dilations swapped.
 */
function filterGradByConv(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const [ah, aw] = axes(info);
  const ph = filterGradPlan(ah);
  const pw = filterGradPlan(aw);
  const { filterHeight: kh, filterWidth: kw, inChannels: inC, outChannels: outC } = info;
  const xT = s.transpose(x, [3, 1, 2, 0]);
  const dyT = s.transpose(dy, [1, 2, 0, 3]);
  const r = conv(s, xT, dyT, [info.dilationHeight, info.dilationWidth], [info.strideHeight, info.strideWidth], [
    [ph.padBefore, ph.padAfter],
    [pw.padBefore, pw.padAfter],
  ]);
  const cut = s.slice(r, [0, 0, 0, 0], [inC, kh, kw, outC]);
  return s.transpose(cut, [1, 2, 0, 3]);
}

export type FilterGradMethod = 'auto' | 'conv' | 'tiles';

// 'auto' takes the tiled outer products (filter_grad_tiles.ts) where they apply, else the conv.
// Space-to-depth (as Conv2D uses for the forward) measured no faster for the conv route: 24.3 vs
// 23.4 ms CPU (minimum, interleaved A/B) for the Nature CNN's first layer.
export function conv2dFilterGrad(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: Shape4,
  attrs: ConvAttrs,
  method: FilterGradMethod = 'auto',
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    pair(attrs.strides),
    pair(attrs.dilations),
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (method !== 'conv' && filterGradTilesApply(backend, info)) return filterGradTiles(backend, x, dy, info);
  if (method === 'tiles') throw new Error('pixelgym Conv2DBackpropFilter: the tiled kernel needs input channels % 4 == 0, output channels % 8 == 0 and wasm SIMD');
  return withScope(backend, (s) => filterGradByConv(s, x, dy, info));
}

export type ForwardMethod = 'auto' | 'tiles' | 'depth';

/**
 * Conv2D / FusedConv2D by our 4 × 8 tiles (conv_tiles.ts; Conv2D only), else through space-to-depth
 * when that applies (see space_to_depth.ts), else null (the back end's own kernel).
 */
export function convViaDepth(
  backend: WasmBackendLike,
  kernel: 'Conv2D' | 'FusedConv2D',
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  method: ForwardMethod = 'auto',
): tf.TensorInfo | null {
  const a = attrs as unknown as ConvAttrs;
  const x = inputs['x']!;
  const filter = inputs['filter']!;
  if (a.dataFormat === 'NCHW' || (attrs['dataFormat'] as string | undefined) === 'channelsFirst') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    pair(a.strides),
    pair(a.dilations),
    a.pad,
    a.dimRoundingMode,
  );
  if (kernel === 'Conv2D' && method !== 'depth' && convTilesApply(backend, info)) return convTiles(backend, x, filter, info);
  if (method === 'tiles') throw new Error('pixelgym Conv2D: the tiled kernel needs a valid, undilated NHWC conv, output channels % 8 == 0 and wasm SIMD');
  const plan = depthPlan(info);
  if (!plan) return null;
  return withScope(backend, (s) => {
    const x2 = spaceToDepth(s, x, plan);
    const w2 = filterToDepth(s, filter, plan.stride);
    return s.runOriginal(kernel, { ...inputs, x: x2, filter: w2 }, stride1Attrs(attrs));
  });
}
