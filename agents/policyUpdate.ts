// Update bookkeeping the policy-gradient agents (A2C, REINFORCE) share: read the loss, refuse a
// non-finite one before any weight changes, clip and apply the gradients, and measure their norm.
import type * as tf from '@tensorflow/tfjs';
import { applyGradients } from '../nets/optim/clip.js';
import { NonFiniteError } from './common.js';

export interface PolicyStepContext {
  /** Names the algorithm in errors ('A2C', 'REINFORCE'). */
  algo: string;
  /** What errors call the loss ('loss', 'policy loss'). */
  lossName: string;
  /** The number this update will have (1-based) and the env steps so far, for errors. */
  update: number;
  envSteps: number;
  /** Clip to this global norm; 0 = off (the norm is measured either way). */
  maxGradNorm: number;
}

/**
 * Applies `grads` with `optimizer` unless the loss or the gradient norm is NaN/Inf (NonFiniteError,
 * weights untouched). `inspect` sees the gradients after the loss check, before they are applied.
 * The caller keeps ownership of `loss` and `grads`.
 */
export function applyPolicyStep(
  optimizer: tf.Optimizer,
  loss: tf.Tensor,
  grads: tf.NamedTensorMap,
  ctx: PolicyStepContext,
  inspect?: (grads: tf.NamedTensorMap) => void,
): { loss: number; gradNorm: number } {
  const lossValue = loss.dataSync()[0]!;
  if (!Number.isFinite(lossValue)) {
    throw new NonFiniteError(`${ctx.algo} ${ctx.lossName} is ${lossValue} at update ${ctx.update} (env step ${ctx.envSteps}); the weights were not changed`);
  }
  inspect?.(grads);
  const gradNorm = applyGradients(optimizer, grads, {
    maxGradNorm: ctx.maxGradNorm,
    measureNorm: true,
    nonFinite: (n) => new NonFiniteError(`${ctx.algo} gradient norm is ${n} at update ${ctx.update}`),
  }).gradNorm!;
  return { loss: lossValue, gradNorm };
}

/** Population variance (an advantage-spread metric both agents log). */
export function variance(x: ArrayLike<number>): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (x[i]! - mean) ** 2;
  return sq / Math.max(1, n);
}
