// Global-norm gradient clipping (PyTorch's clip_grad_norm_, as SB3 uses it) and an apply helper.
// Frozen variables: tf.variableGrads maps a non-trainable variable named in its list to null. Only
// the gradients that exist are measured and scaled; the null entries pass through untouched, so an
// optimizer still sees every variable at the same position (its slots are keyed by position).
import * as tf from '@tensorflow/tfjs';

/** A gradient, or null/undefined for a variable that has none (frozen or not on the loss's path). */
type MaybeGradient = tf.Tensor | null | undefined;

/** The gradients that exist. */
function present(grads: readonly MaybeGradient[]): tf.Tensor[] {
  return grads.filter((g): g is tf.Tensor => g != null);
}

/** Grads scaled by min(1, maxNorm / (norm + 1e-6)), and the norm before clipping. */
export interface ClippedGradients<T> {
  grads: T;
  norm: number;
}

/**
 * Clips gradients by their global L2 norm. Returns new tensors (the caller disposes them and still
 * owns the inputs) and the norm before clipping. A non-finite norm leaves the gradients unscaled
 * and is reported as is, for the caller to detect. Missing (null) gradients stay null and do not count.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): ClippedGradients<tf.NamedTensorMap>;
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): ClippedGradients<tf.Tensor[]>;
export function clipByGlobalNorm(
  grads: tf.NamedTensorMap | tf.Tensor[],
  maxNorm: number,
): ClippedGradients<tf.NamedTensorMap | tf.Tensor[]> {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  const list: MaybeGradient[] = Array.isArray(grads) ? grads : Object.values(grads);
  const norm = globalNorm(list);
  const coef = maxNorm / (norm + 1e-6);
  const scale = coef < 1 ? coef : 1;
  const scaled = (g: MaybeGradient): tf.Tensor => {
    if (g == null) return g as unknown as tf.Tensor; // kept missing, see the file comment
    return scale === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, scale));
  };
  if (Array.isArray(grads)) return { grads: grads.map(scaled), norm };
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) out[name] = scaled(g);
  return { grads: out, norm };
}

/** sqrt(sum of squares) over all tensors (missing ones skipped), read back as a number. */
export function globalNorm(gradients: readonly MaybeGradient[]): number {
  const tensors = present(gradients);
  if (tensors.length === 0) return 0;
  const n = tf.tidy(() => tf.sqrt(tf.addN(tensors.map((g) => tf.sum(tf.square(g))))));
  const v = n.dataSync()[0]!;
  n.dispose();
  return v;
}

export interface ApplyGradientsOptions {
  /** Clip by global norm first (skipped when undefined, Infinity or <= 0). */
  maxGradNorm?: number;
  /** Measure the global norm even when not clipping (it is returned instead of null). */
  measureNorm?: boolean;
  /** When the measured norm is NaN or infinite, throw the error this returns before any weight changes. */
  nonFinite?: (norm: number) => Error;
}

/**
 * optimizer.applyGradients(grads), clipping by global norm first when asked. The caller keeps
 * ownership of `grads`. Returns the norm before clipping, or null when it was not measured.
 */
export function applyGradients(
  optimizer: tf.Optimizer,
  grads: tf.NamedTensorMap,
  options: ApplyGradientsOptions = {},
): { gradNorm: number | null } {
  const max = options.maxGradNorm;
  const reject = (norm: number | null): void => {
    if (norm !== null && !Number.isFinite(norm) && options.nonFinite) throw options.nonFinite(norm);
  };
  if (max === undefined || !(max > 0) || max === Infinity) {
    const norm = options.measureNorm ? globalNorm(Object.values(grads)) : null;
    reject(norm);
    optimizer.applyGradients(grads);
    return { gradNorm: norm };
  }
  const clipped = clipByGlobalNorm(grads, max);
  try {
    reject(clipped.norm);
    optimizer.applyGradients(clipped.grads);
  } finally {
    tf.dispose(present(Object.values(clipped.grads)));
  }
  return { gradNorm: clipped.norm };
}
