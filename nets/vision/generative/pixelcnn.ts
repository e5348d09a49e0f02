// PixelCNN with masked convolutions (van den Oord et al. 2016, "Pixel recurrent neural networks"):
// an autoregressive density p(x) = Π p(xᵢ | x<ᵢ) over quantized grey frames, and the pseudo-count
// exploration bonus built on it (Bellemare et al. 2016; Ostrovski et al. 2017, "Count-based
// exploration with neural density models"). cs231n ch. 12.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { minimizeStep } from './frameModel.js';

/**
 * The [kh, kw, cin, cout] mask of a masked convolution in raster order: rows above the centre and
 * pixels left of it on the centre row are kept; type 'B' also keeps the centre, type 'A' (the
 * first layer, which must not see the pixel it predicts) does not. Channels are not ordered
 * among themselves: this is the single-channel (grey) PixelCNN.
 */
export function causalMask(kh: number, kw: number, cin: number, cout: number, type: 'A' | 'B'): Float32Array {
  if (kh % 2 === 0 || kw % 2 === 0) throw new RangeError('causalMask: kernel sides must be odd');
  const m = new Float32Array(kh * kw * cin * cout);
  const cy = (kh - 1) / 2;
  const cx = (kw - 1) / 2;
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) {
      const keep = y < cy || (y === cy && (x < cx || (x === cx && type === 'B')));
      if (keep) m.fill(1, ((y * kw + x) * cin) * cout, ((y * kw + x + 1) * cin) * cout);
    }
  return m;
}

/** A masked 'same' convolution with stride 1: conv(pad(x), W ⊙ mask) + b. */
export class MaskedConv2d {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  readonly mask: tf.Tensor4D;
  private readonly pad: [[number, number], [number, number], [number, number], [number, number]];

  constructor(readonly kernelSize: number, readonly inChannels: number, readonly outChannels: number, readonly type: 'A' | 'B', seed: number) {
    const rng = new Rng(seed);
    const n = kernelSize * kernelSize * inChannels * outChannels;
    const scale = Math.sqrt(2 / (kernelSize * kernelSize * inChannels));
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = scale * rng.normal();
    const shape: [number, number, number, number] = [kernelSize, kernelSize, inChannels, outChannels];
    this.kernel = tf.variable(tf.tensor4d(w, shape), true);
    this.bias = tf.variable(tf.zeros([outChannels]), true);
    this.mask = tf.tensor4d(causalMask(kernelSize, kernelSize, inChannels, outChannels, type), shape);
    const p = (kernelSize - 1) / 2;
    // Explicit padding and a valid conv: the filter-gradient kernels here are built for valid convs.
    this.pad = [[0, 0], [p, p], [p, p], [0, 0]];
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(tf.conv2d(tf.pad(x, this.pad), tf.mul(this.kernel, this.mask) as tf.Tensor4D, 1, 'valid'), this.bias));
  }

  get variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
    this.mask.dispose();
  }
}

export interface PixelCnnConfig {
  /** Frame height × width (grey, values in [0, 1]). */
  height: number;
  width: number;
  /** Grey levels the pixels are quantized to (softmax classes). Default 8. */
  levels?: number;
  /** Hidden channels. Default 16. */
  filters?: number;
  /** 3×3 mask-B layers after the 5×5 mask-A layer. Default 2. */
  layers?: number;
  /** Adam learning rate. Default 2e-3. */
  learningRate?: number;
  seed?: number;
}

export class PixelCnn {
  readonly height: number;
  readonly width: number;
  readonly levels: number;
  private readonly convs: MaskedConv2d[];
  private readonly optimizer: tf.Optimizer;

  constructor(config: PixelCnnConfig) {
    this.height = config.height;
    this.width = config.width;
    this.levels = config.levels ?? 8;
    const f = config.filters ?? 16;
    const seed = config.seed ?? 0;
    this.convs = [new MaskedConv2d(5, 1, f, 'A', seed)];
    for (let i = 0; i < (config.layers ?? 2); i++) this.convs.push(new MaskedConv2d(3, f, f, 'B', seed + i + 1));
    // The 1×1 output layer is mask B (a 1×1 mask B keeps its only tap).
    this.convs.push(new MaskedConv2d(1, f, this.levels, 'B', seed + 99));
    this.optimizer = tf.train.adam(config.learningRate ?? 2e-3);
  }

  get variables(): tf.Variable[] {
    return this.convs.flatMap((c) => c.variables);
  }

  /** Logits [n, h, w, levels] of each pixel's level given the pixels before it. */
  logits(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h: tf.Tensor4D = x;
      this.convs.forEach((c, i) => {
        h = c.apply(h);
        if (i < this.convs.length - 1) h = tf.relu(h);
      });
      return h;
    });
  }

  /** Level index of each pixel, [n, h, w]. */
  private targets(x: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => tf.cast(tf.clipByValue(tf.floor(tf.mul(tf.squeeze(x, [3]), this.levels)), 0, this.levels - 1), 'int32') as tf.Tensor3D);
  }

  private nll(x: tf.Tensor4D): tf.Tensor1D {
    const logp = tf.logSoftmax(this.logits(x));
    const oh = tf.oneHot(this.targets(x), this.levels);
    return tf.neg(tf.sum(tf.mul(logp, oh), [1, 2, 3])) as tf.Tensor1D;
  }

  /** log p(x) in nats per image, for [n, h, w, 1] frames in [0, 1]. */
  logProb(x: tf.Tensor4D): Float32Array {
    const t = tf.tidy(() => tf.neg(this.nll(x)));
    const v = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    return v;
  }

  /** One Adam step on the mean negative log-likelihood; returns it (nats per image). */
  trainStep(x: tf.Tensor4D): number {
    return minimizeStep(this.optimizer, () => tf.mean(this.nll(x)) as tf.Scalar, this.variables);
  }

  /**
   * The pseudo-count of one frame [1, h, w, 1]: train on it once, measure the prediction gain
   * PG = log ρ'(x) − log ρ(x), and return N̂ = 1 / (exp(PG) − 1) (Ostrovski et al. 2017, with
   * PG clipped below at 1e-8 so N̂ stays finite). This trains the model: call it on the states
   * the agent visits, as the bonus (N̂ + 0.01)^(−½) of `pseudoCountBonus` assumes.
   */
  pseudoCount(frame: tf.Tensor4D): number {
    const before = this.logProb(frame)[0]!;
    this.trainStep(frame);
    const after = this.logProb(frame)[0]!;
    return pseudoCountFromGain(after - before);
  }

  dispose(): void {
    this.convs.forEach((c) => c.dispose());
    this.optimizer.dispose();
  }
}

/** N̂ = 1 / (exp(PG) − 1) with PG clipped to ≥ 1e-8. */
export function pseudoCountFromGain(gain: number): number {
  return 1 / Math.expm1(Math.max(gain, 1e-8));
}

/** The exploration bonus (N̂ + 0.01)^(−½) (Bellemare et al. 2016). */
export function pseudoCountBonus(count: number): number {
  return 1 / Math.sqrt(count + 0.01);
}
