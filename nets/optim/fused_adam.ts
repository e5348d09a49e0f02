// Adam with tf.train.adam's arithmetic and state layout, but few kernels: on wasm and cpu one kernel for
// all variables of a small net (multi_adam.ts), else one per variable on wasm (a SIMD pass over p, m, v,
// g) instead of ~14 elementwise kernels; elsewhere the same formula as plain ops. State
// (getWeights/setWeights) is interchangeable with tf.train.adam's.
import * as tf from '@tensorflow/tfjs';
import { ADAM_KERNEL } from '../kernels/fused.js';
import { MULTI_ADAM_KERNEL, multiAdamAvailable, registerMultiAdamKernel, type MultiAdamAttrs } from './multi_adam.js';
import { SlotOptimizer, type NamedTensor } from './slots.js';

const f32 = Math.fround;

export class FusedAdamOptimizer extends SlotOptimizer {
  static get className(): string {
    return 'PixelgymFusedAdam';
  }

  /** beta^t as tfjs's float32 accumulators hold them after t steps (t = iterations + 1 during a step). */
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    /** One kernel for all variables of a small net on wasm and cpu (false: one per variable, for A/B runs). */
    readonly multiTensor = true,
  ) {
    super(['m', 'v']);
    registerMultiAdamKernel();
    this.accBeta1 = f32(beta1);
    this.accBeta2 = f32(beta2);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = SlotOptimizer.entries(variableGradients);
    const oneMinusAccBeta1 = f32(1 - this.accBeta1);
    const oneMinusAccBeta2 = f32(1 - this.accBeta2);
    if (this.applyAllAtOnce(entries, oneMinusAccBeta1, oneMinusAccBeta2)) {
      this.advance();
      return;
    }
    const fused = tf.getKernel(ADAM_KERNEL, tf.getBackend()) != null;
    entries.forEach(([name, grad], i) => {
      const value = tf.engine().registeredVariables[name];
      if (!value) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
      const m = this.slot(0, i, name, value);
      const v = this.slot(1, i, name, value);
      if (grad == null) return;
      tf.tidy(() => {
        let next: [tf.Tensor, tf.Tensor, tf.Tensor];
        if (fused && grad.dtype === 'float32') {
          next = tf.engine().runKernel(
            ADAM_KERNEL,
            { param: value, m, v, grad },
            this.adamAttrs(oneMinusAccBeta1, oneMinusAccBeta2),
          ) as [tf.Tensor, tf.Tensor, tf.Tensor];
        } else {
          next = this.opsUpdate(value, m, v, grad, oneMinusAccBeta1, oneMinusAccBeta2);
        }
        value.assign(next[0]);
        m.assign(next[1]);
        v.assign(next[2]);
      });
    });
    this.advance();
  }

  /** The update's constants, as both Adam kernels take them. */
  private adamAttrs(oneMinusAccBeta1: number, oneMinusAccBeta2: number) {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate, oneMinusAccBeta1, oneMinusAccBeta2 };
  }

  private advance(): void {
    this.accBeta1 = f32(this.accBeta1 * f32(this.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.beta2));
    this.incrementIterations();
  }

  /**
   * One kernel for every variable, when all have float32 gradients and the net is small; false (and
   * nothing done) otherwise. Unknown variable names throw before any update.
   */
  private applyAllAtOnce(entries: Array<[string, tf.Tensor | undefined]>, oneMinusAccBeta1: number, oneMinusAccBeta2: number): boolean {
    const grads = entries.map(([, g]) => g);
    if (!this.multiTensor || grads.some((g) => g == null) || !multiAdamAvailable(grads as tf.Tensor[])) return false;
    const values = entries.map(([name]) => {
      const value = tf.engine().registeredVariables[name];
      if (!value) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
      return value;
    });
    const inputs: tf.NamedTensorMap = {};
    const slots = entries.map(([name, grad], i) => {
      const value = values[i]!;
      const m = this.slot(0, i, name, value);
      const v = this.slot(1, i, name, value);
      Object.assign(inputs, { [`p${i}`]: value, [`m${i}`]: m, [`v${i}`]: v, [`g${i}`]: grad! });
      return { value, m, v };
    });
    const attrs: MultiAdamAttrs = { ...this.adamAttrs(oneMinusAccBeta1, oneMinusAccBeta2), count: entries.length };
    tf.tidy(() => {
      const next = tf.engine().runKernel(MULTI_ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      slots.forEach((s, i) => {
        s.value.assign(next[3 * i]!);
        s.m.assign(next[3 * i + 1]!);
        s.v.assign(next[3 * i + 2]!);
      });
    });
    return true;
  }

  /** tf.train.adam's formula, op by op in its order, for back ends without the fused kernel. */
  private opsUpdate(
    value: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    g: tf.Tensor,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
  ): [tf.Tensor, tf.Tensor, tf.Tensor] {
    const m2 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v2 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    const mHat = tf.div(m2, oneMinusAccBeta1);
    const vHat = tf.div(v2, oneMinusAccBeta2);
    const p2 = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), value);
    return [p2, m2, v2];
  }

  protected override afterSetWeights(): void {
    // tfjs's Adam holds beta^(t+1) before step t+1; rebuild it by the same float32 products.
    this.accBeta1 = f32(this.beta1);
    this.accBeta2 = f32(this.beta2);
    for (let t = 0; t < this.iterations; t++) {
      const b1 = f32(this.accBeta1 * f32(this.beta1));
      const b2 = f32(this.accBeta2 * f32(this.beta2));
      if (b1 === this.accBeta1 && b2 === this.accBeta2) break; // reached a float32 fixed point (0)
      this.accBeta1 = b1;
      this.accBeta2 = b2;
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
