// Numeric gradient checking (cs231n ch. 3 / 6: compare analytic gradients with centered differences).
// tfjs computes in float32, so the step is large (1e-2, not 1e-5) to keep rounding noise in f below the
// truncation error, the differences are taken in float64 over the float32-rounded inputs, and the test
// allows an absolute floor next to the relative tolerance.
import * as tf from '@tensorflow/tfjs';

export interface GradCheckOptions {
  /** Half step of the centered difference. Default 1e-2. */
  eps?: number;
  /** Relative tolerance: pass when |a − n| ≤ atol + tol·max(|a|, |n|). Default 1e-2. */
  tol?: number;
  /** Absolute floor of the tolerance (for entries whose gradient is near zero). Default 1e-3. */
  atol?: number;
  /** Check at most this many entries per input, evenly spread over the tensor. Default 256. */
  maxChecks?: number;
}

export interface GradCheckEntry {
  /** Which input (0 for a single tensor). */
  input: number;
  /** Flat index into that input. */
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradCheckResult {
  passed: boolean;
  /** Entries compared. */
  checked: number;
  maxAbsError: number;
  /** max |a − n| / max(|a|, |n|) over entries where either is nonzero. */
  maxRelError: number;
  /** The entry furthest outside the tolerance (or the largest error when all pass). */
  worst: GradCheckEntry | null;
}

type ScalarFn = (...xs: tf.Tensor[]) => tf.Scalar;

function settings(options: GradCheckOptions) {
  const eps = options.eps ?? 1e-2;
  if (!(eps > 0)) throw new Error(`gradCheck: eps must be positive, got ${eps}`);
  return { eps, tol: options.tol ?? 1e-2, atol: options.atol ?? 1e-3, maxChecks: options.maxChecks ?? 256 };
}

function scalarValue(y: tf.Tensor): number {
  if (y.size !== 1) throw new Error(`gradCheck: f must return a scalar, got shape [${y.shape.join(', ')}]`);
  return y.dataSync()[0]!;
}

/**
 * The comparison shared by both checks: `analytic[k]` against centered differences of `evalAt`, which
 * evaluates the function with entry i of input k set to a value.
 */
function compare(
  analytic: Float32Array[],
  values: Float32Array[],
  evalAt: (k: number, i: number, v: number) => number,
  options: GradCheckOptions,
): GradCheckResult {
  const { eps, tol, atol, maxChecks } = settings(options);
  let checked = 0;
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradCheckEntry | null = null;
  let worstExcess = -Infinity;
  values.forEach((vals, k) => {
    const n = vals.length;
    const count = Math.min(n, maxChecks);
    for (let c = 0; c < count; c++) {
      const i = count === n ? c : Math.floor(((c + 0.5) * n) / count);
      const x0 = vals[i]!;
      // The float32 inputs actually evaluated; their true spacing is the denominator.
      const xp = Math.fround(x0 + eps);
      const xm = Math.fround(x0 - eps);
      const numeric = (evalAt(k, i, xp) - evalAt(k, i, xm)) / (xp - xm);
      const a = analytic[k]![i]!;
      const err = Math.abs(a - numeric);
      const scale = Math.max(Math.abs(a), Math.abs(numeric));
      maxAbsError = Math.max(maxAbsError, err);
      if (scale > 0) maxRelError = Math.max(maxRelError, err / scale);
      const excess = err - (atol + tol * scale);
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { input: k, index: i, analytic: a, numeric };
      }
      checked++;
    }
  });
  return { passed: worstExcess <= 0, checked, maxAbsError, maxRelError, worst };
}

/**
 * Compares tf.grads of a scalar function with centered differences at `x` (one tensor or several).
 * `f` should be smooth near x (kinks like relu at 0 within ±eps give false alarms). Leaves no tensors.
 */
export function gradCheck(f: ScalarFn, x: tf.Tensor | tf.Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  settings(options);
  const xs = Array.isArray(x) ? x : [x];
  for (const t of xs) {
    if (t.dtype !== 'float32') throw new Error(`gradCheck: inputs must be float32, got ${t.dtype}`);
  }
  const analytic = tf.tidy(() => tf.grads(f)(xs).map((g) => g.dataSync().slice() as Float32Array));
  const values = xs.map((t) => t.dataSync().slice() as Float32Array);
  const evalAt = (k: number, i: number, v: number): number =>
    tf.tidy(() => {
      const data = values[k]!.slice();
      data[i] = v;
      return scalarValue(f(...xs.map((t, j) => (j === k ? tf.tensor(data, t.shape, 'float32') : t))));
    });
  return compare(analytic, values, evalAt, options);
}

/**
 * The same check for the gradient of `loss()` with respect to variables (a layer's weights): each
 * variable is perturbed in place and restored afterwards. `input` in the result indexes `variables`.
 */
export function gradCheckVariables(loss: () => tf.Scalar, variables: tf.Variable[], options: GradCheckOptions = {}): GradCheckResult {
  settings(options);
  if (variables.length === 0) throw new Error('gradCheckVariables: no variables given');
  const analytic = tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, variables);
    return variables.map((v) => {
      const g = grads[v.name];
      return g ? (g.dataSync().slice() as Float32Array) : new Float32Array(v.size);
    });
  });
  const values = variables.map((v) => v.dataSync().slice() as Float32Array);
  const restore = (k: number) => tf.tidy(() => variables[k]!.assign(tf.tensor(values[k]!, variables[k]!.shape, 'float32')));
  const evalAt = (k: number, i: number, val: number): number => {
    try {
      return tf.tidy(() => {
        const data = values[k]!.slice();
        data[i] = val;
        variables[k]!.assign(tf.tensor(data, variables[k]!.shape, 'float32'));
        return scalarValue(loss());
      });
    } finally {
      restore(k); // the other variables must see their original values
    }
  };
  return compare(analytic, values, evalAt, options);
}
