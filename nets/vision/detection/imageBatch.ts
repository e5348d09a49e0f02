// Frames (uint8 HWC, as pixel envs observe them) to a float batch tensor in [0, 1].
import * as tf from '@tensorflow/tfjs';

/** Height × width × channels of the frames a model takes. */
export type FrameShape = readonly [number, number, number];

/** Throws unless `shape` is three positive integers. */
export function checkFrameShape(shape: readonly number[], where: string): FrameShape {
  if (shape.length !== 3 || shape.some((d) => !(Number.isInteger(d) && d > 0))) {
    throw new RangeError(`${where}: inputShape must be [height, width, channels] of positive integers, got [${shape.join(', ')}]`);
  }
  return [shape[0]!, shape[1]!, shape[2]!];
}

/** Throws unless every frame holds height × width × channels bytes (and there is at least one). */
export function checkFrames(frames: readonly ArrayLike<number>[], shape: FrameShape, where: string): void {
  if (frames.length === 0) throw new RangeError(`${where}: no frames given`);
  const n = shape[0] * shape[1] * shape[2];
  frames.forEach((f, i) => {
    if (!f || f.length !== n) throw new RangeError(`${where}: frame ${i} must hold ${n} values ([${shape.join(', ')}]), got ${f?.length}`);
  });
}

/** [frames.length, H, W, C] float32, pixel values divided by 255. The caller disposes it. */
export function frameBatch(frames: readonly ArrayLike<number>[], shape: FrameShape): tf.Tensor4D {
  const n = shape[0] * shape[1] * shape[2];
  const data = new Float32Array(frames.length * n);
  frames.forEach((f, i) => {
    const off = i * n;
    for (let j = 0; j < n; j++) data[off + j] = f[j]! / 255;
  });
  return tf.tensor4d(data, [frames.length, shape[0], shape[1], shape[2]]);
}

/**
 * Like `frameBatch` with CoordConv's two extra channels (Liu et al. 2018) appended to every pixel:
 * x = (col + ½) / W and y = (row + ½) / H, so convolutions can compute where things are as well as
 * what they are. Built here in one pass rather than by tensor ops (concat and tile are slow on wasm).
 * [frames.length, H, W, C + 2].
 */
export function frameBatchWithCoordinates(frames: readonly ArrayLike<number>[], shape: FrameShape): tf.Tensor4D {
  const [h, w, c] = shape;
  const n = h * w * c;
  const out = c + 2;
  const data = new Float32Array(frames.length * h * w * out);
  let k = 0;
  for (const f of frames) {
    let j = 0;
    for (let row = 0; row < h; row++) {
      const y = (row + 0.5) / h;
      for (let col = 0; col < w; col++) {
        for (let ch = 0; ch < c; ch++) data[k++] = f[j++]! / 255;
        data[k++] = (col + 0.5) / w;
        data[k++] = y;
      }
    }
    if (j !== n) throw new RangeError(`frameBatchWithCoordinates: frame holds ${f.length} values, expected ${n}`);
  }
  return tf.tensor4d(data, [frames.length, h, w, out]);
}
