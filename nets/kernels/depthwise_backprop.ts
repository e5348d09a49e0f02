// DepthwiseConv2dNativeBackpropInput / BackpropFilter for the wasm back end (it has neither), as
// forward depthwise convolutions. Depthwise nets are rare in RL, so these favour plain, general
// code over speed: the input gradient zero-dilates dy in JS rather than splitting by stride.
import * as tf from '@tensorflow/tfjs';
import { filterGradPlan, stride1InputGradPlan, type AxisConv } from './conv_geometry.js';
import { f32View } from './heap.js';
import { withScope, type WasmBackendLike } from './scope.js';

type Pair = [number, number];
type Shape4 = [number, number, number, number];

interface DepthwiseAttrs {
  strides: number | Pair;
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dilations?: number | Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function pair(v: number | Pair | undefined): Pair {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

function info(inShape: Shape4, filterShape: Shape4, a: DepthwiseAttrs): tf.backend_util.Conv2DInfo {
  const strides = pair(a.strides);
  const dilations = pair(a.dilations);
  if (Math.max(...strides) > 1 && Math.max(...dilations) > 1) {
    throw new Error('pixelgym depthwise gradient: strides and dilations cannot both exceed 1');
  }
  return tf.backend_util.computeConv2DInfo(inShape, filterShape, strides, dilations, a.pad, a.dimRoundingMode, true);
}

export function depthwiseInputGrad(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: Shape4,
  attrs: DepthwiseAttrs,
): tf.TensorInfo {
  const ci = info(inputShape, filter.shape as Shape4, attrs);
  const [n, , , ch] = inputShape;
  const [kh, kw, , mult] = filter.shape as Shape4;
  const depth = ch * mult;
  // Inserting stride-1 zeros between dy's rows and columns makes this a stride-1 problem.
  const dilatedH = (ci.outHeight - 1) * ci.strideHeight + 1;
  const dilatedW = (ci.outWidth - 1) * ci.strideWidth + 1;
  const axisH: AxisConv = { inSize: ci.inHeight, outSize: dilatedH, kernel: kh, stride: 1, dilation: ci.dilationHeight, padBefore: ci.padInfo.top };
  const axisW: AxisConv = { inSize: ci.inWidth, outSize: dilatedW, kernel: kw, stride: 1, dilation: ci.dilationWidth, padBefore: ci.padInfo.left };
  const ph = stride1InputGradPlan(axisH);
  const pw = stride1InputGradPlan(axisW);
  return withScope(backend, (s) => {
    const rows = dilatedH - ph.cropBefore - ph.cropAfter + ph.padBefore + ph.padAfter;
    const cols = dilatedW - pw.cropBefore - pw.cropAfter + pw.padBefore + pw.padAfter;
    const padded = s.track(backend.makeOutput([n, rows, cols, depth], 'float32'));
    const flipped = s.track(backend.makeOutput([kh, kw, depth, 1], 'float32'));
    const src = f32View(backend, dy);
    const dst = f32View(backend, padded);
    dst.fill(0);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ci.outHeight; oy++) {
        const y = oy * ci.strideHeight - ph.cropBefore + ph.padBefore;
        if (y < 0 || y >= rows) continue;
        for (let ox = 0; ox < ci.outWidth; ox++) {
          const x = ox * ci.strideWidth - pw.cropBefore + pw.padBefore;
          if (x < 0 || x >= cols) continue;
          const from = ((b * ci.outHeight + oy) * ci.outWidth + ox) * depth;
          dst.set(src.subarray(from, from + depth), ((b * rows + y) * cols + x) * depth);
        }
      }
    }
    const w = f32View(backend, filter);
    const f = f32View(backend, flipped);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const from = ((kh - 1 - ky) * kw + (kw - 1 - kx)) * depth;
        f.set(w.subarray(from, from + depth), (ky * kw + kx) * depth);
      }
    }
    const perChannel = s.run(
      'DepthwiseConv2dNative',
      { x: padded, filter: flipped },
      { strides: [1, 1], pad: 'valid', dilations: [ci.dilationHeight, ci.dilationWidth], dataFormat: 'NHWC' },
    );
    if (mult === 1) return perChannel;
    const split = s.reshape(perChannel, [n * ci.inHeight * ci.inWidth, ch, mult]);
    return s.reshape(s.sum(split, [2]), inputShape);
  });
}

export function depthwiseFilterGrad(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: Shape4,
  attrs: DepthwiseAttrs,
): tf.TensorInfo {
  const [n, h, w, ch] = x.shape as Shape4;
  const ci = info([n, h, w, ch], filterShape, attrs);
  const [kh, kw, , mult] = filterShape;
  const axisH: AxisConv = { inSize: h, outSize: ci.outHeight, kernel: kh, stride: ci.strideHeight, dilation: ci.dilationHeight, padBefore: ci.padInfo.top };
  const axisW: AxisConv = { inSize: w, outSize: ci.outWidth, kernel: kw, stride: ci.strideWidth, dilation: ci.dilationWidth, padBefore: ci.padInfo.left };
  const ph = filterGradPlan(axisH);
  const pw = filterGradPlan(axisW);
  return withScope(backend, (s) => {
    // One image whose channels are (c, n); dy as a per-channel kernel over (c, n) with multiplier m.
    const xs = s.reshape(s.transpose(x, [1, 2, 3, 0]), [1, h, w, ch * n]);
    const dyRows = s.reshape(dy, [n, ci.outHeight * ci.outWidth, ch, mult]);
    const k = s.reshape(s.transpose(dyRows, [1, 2, 0, 3]), [ci.outHeight, ci.outWidth, ch * n, mult]);
    const r = s.run(
      'DepthwiseConv2dNative',
      { x: xs, filter: k },
      {
        strides: [ci.dilationHeight, ci.dilationWidth],
        dilations: [ci.strideHeight, ci.strideWidth],
        pad: [[0, 0], [ph.padBefore, ph.padAfter], [pw.padBefore, pw.padAfter], [0, 0]],
        dataFormat: 'NHWC',
      },
    );
    const cut = s.slice(r, [0, 0, 0, 0], [1, kh, kw, ch * n * mult]);
    const perImage = s.reshape(cut, [kh * kw, ch, n, mult]);
    return s.reshape(s.sum(perImage, [2]), filterShape);
  });
}
