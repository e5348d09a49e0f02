// Separable image resampling with integer weights, so results are exact and the same everywhere.

export type Interpolation = 'bilinear' | 'area';

/**
 * For each output index along one axis: the source indices it reads (`start`, `count`) and their
 * integer weights, which sum to `denom` for every output index.
 */
export interface AxisWeights {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly offset: Int32Array;
  readonly weights: Float64Array;
  readonly denom: number;
}

function pack(entries: Array<Array<[index: number, weight: number]>>, denom: number): AxisWeights {
  const n = entries.length;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const offset = new Int32Array(n);
  const total = entries.reduce((s, e) => s + e.length, 0);
  const weights = new Float64Array(total);
  let k = 0;
  entries.forEach((e, i) => {
    start[i] = e[0]![0];
    count[i] = e.length;
    offset[i] = k;
    for (const [, w] of e) weights[k++] = w;
  });
  return { start, count, offset, weights, denom };
}

/**
 * Box filter: output i averages the source interval [i·in/out, (i+1)·in/out), each source pixel
 * weighted by its overlap. Lengths are counted in units of 1/out pixel, which makes every weight an
 * integer; an integer factor gives a plain block average.
 */
export function areaWeights(inSize: number, outSize: number): AxisWeights {
  const entries: Array<Array<[number, number]>> = [];
  for (let i = 0; i < outSize; i++) {
    const lo = i * inSize;
    const hi = (i + 1) * inSize;
    const e: Array<[number, number]> = [];
    for (let j = Math.floor(lo / outSize); j * outSize < hi; j++) {
      const w = Math.min((j + 1) * outSize, hi) - Math.max(j * outSize, lo);
      if (w > 0) e.push([j, w]);
    }
    entries.push(e);
  }
  return pack(entries, inSize);
}

/**
 * Linear interpolation with pixel centres aligned (OpenCV's INTER_LINEAR, TF's half_pixel_centers):
 * output i samples source coordinate (i + ½)·in/out − ½, clamped to the image. That coordinate has
 * denominator 2·out, so the two weights are integers out of 2·out.
 */
export function bilinearWeights(inSize: number, outSize: number): AxisWeights {
  const den = 2 * outSize;
  const entries: Array<Array<[number, number]>> = [];
  for (let i = 0; i < outSize; i++) {
    const num = (2 * i + 1) * inSize - outSize;
    let x0 = 0;
    let frac = 0;
    if (num > 0) {
      x0 = Math.floor(num / den);
      frac = num - x0 * den;
      if (x0 >= inSize - 1) {
        x0 = inSize - 1;
        frac = 0;
      }
    }
    entries.push(frac === 0 ? [[x0, den]] : [[x0, den - frac], [x0 + 1, frac]]);
  }
  return pack(entries, den);
}

export function axisWeights(method: Interpolation, inSize: number, outSize: number): AxisWeights {
  return method === 'area' ? areaWeights(inSize, outSize) : bilinearWeights(inSize, outSize);
}

/** A resampler for one fixed geometry: weight tables and scratch space are built once. */
export class Resampler {
  private readonly ys: AxisWeights;
  private readonly xs: AxisWeights;
  /** Horizontal pass result, inH × outW × C, integer sums (exact in float64). */
  private readonly rows: Float64Array;
  private readonly acc: Float64Array;
  private readonly denom: number;

  constructor(
    readonly inHeight: number,
    readonly inWidth: number,
    readonly channels: number,
    readonly outHeight: number,
    readonly outWidth: number,
    method: Interpolation,
  ) {
    this.ys = axisWeights(method, inHeight, outHeight);
    this.xs = axisWeights(method, inWidth, outWidth);
    this.rows = new Float64Array(inHeight * outWidth * channels);
    this.acc = new Float64Array(outWidth * channels);
    this.denom = this.ys.denom * this.xs.denom;
  }

  /** Resizes an HWC image into `out` (outHeight × outWidth × channels), rounding half up. */
  resize(src: Uint8Array, out: Uint8Array): Uint8Array {
    const C = this.channels;
    const { start: xs0, count: xsN, offset: xsOff, weights: xw } = this.xs;
    const rowLen = this.outWidth * C;
    for (let y = 0; y < this.inHeight; y++) {
      const srcRow = y * this.inWidth * C;
      const dstRow = y * rowLen;
      for (let ox = 0; ox < this.outWidth; ox++) {
        const n = xsN[ox]!;
        const o = xsOff[ox]!;
        const base = srcRow + xs0[ox]! * C;
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += xw[o + k]! * src[base + k * C + c]!;
          this.rows[dstRow + ox * C + c] = s;
        }
      }
    }
    const { start: ys0, count: ysN, offset: ysOff, weights: yw } = this.ys;
    const acc = this.acc;
    const twoD = 2 * this.denom;
    for (let oy = 0; oy < this.outHeight; oy++) {
      acc.fill(0);
      const n = ysN[oy]!;
      for (let k = 0; k < n; k++) {
        const w = yw[ysOff[oy]! + k]!;
        const row = (ys0[oy]! + k) * rowLen;
        for (let i = 0; i < rowLen; i++) acc[i]! += w * this.rows[row + i]!;
      }
      const dst = oy * rowLen;
      // round(acc / denom), half up, in exact integer arithmetic.
      for (let i = 0; i < rowLen; i++) out[dst + i] = Math.floor((2 * acc[i]! + this.denom) / twoD);
    }
    return out;
  }
}
