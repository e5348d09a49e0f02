// Index arithmetic for convolution gradients written as forward convolutions, one spatial axis at a
// time. Pure functions (no tfjs), so the plans can be unit-tested and reasoned about on their own.
//
// Forward, along one axis: y[o] = sum_k x[o*stride + k*dilation - padBefore] * w[k].

export interface AxisConv {
  /** Input length. */
  inSize: number;
  /** Output length of the forward conv. */
  outSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** Zero rows before the input in the forward conv. */
  padBefore: number;
}

/**
 * Input gradient when stride is 1: a forward conv of dy with the flipped kernel and the same
 * dilation. `crop*` trims dy first when the forward padding was larger than the kernel reach.
 */
export interface Stride1InputGradPlan {
  cropBefore: number;
  cropAfter: number;
  padBefore: number;
  padAfter: number;
}

export function stride1InputGradPlan(a: AxisConv): Stride1InputGradPlan {
  if (a.stride !== 1) throw new Error('stride1InputGradPlan needs stride 1');
  const reach = (a.kernel - 1) * a.dilation;
  // dx[i] = sum_j dyPad[i + j*d] * wFlipped[j] with dyPad[p] = dy[p - before].
  const before = reach - a.padBefore;
  const after = a.inSize - a.outSize + a.padBefore;
  return {
    cropBefore: Math.max(0, -before),
    cropAfter: Math.max(0, -after),
    padBefore: Math.max(0, before),
    padAfter: Math.max(0, after),
  };
}

/**
 * Input gradient for stride s > 1 (dilation 1), split by the residue r = (i + padBefore) mod s
 * into s stride-1 convs with sub-kernels w[r + s*j] (j < taps), so no multiply touches an inserted
 * zero. The s sub-results interleave (depth-to-space) into positions q*s + r for q in
 * [q0, q0 + count); the input gradient is that interleaving from `sliceStart`, `inSize` long.
 */
export interface StridedInputGradPlan {
  /** Taps per sub-kernel: ceil(kernel / stride); missing taps are zero. */
  taps: number;
  q0: number;
  count: number;
  cropBefore: number;
  cropAfter: number;
  padBefore: number;
  padAfter: number;
  sliceStart: number;
}

export function stridedInputGradPlan(a: AxisConv): StridedInputGradPlan {
  if (a.dilation !== 1) throw new Error('stridedInputGradPlan needs dilation 1');
  const s = a.stride;
  const taps = Math.ceil(a.kernel / s);
  const q0 = Math.floor(a.padBefore / s);
  const q1 = Math.floor((a.padBefore + a.inSize - 1) / s);
  const count = q1 - q0 + 1;
  // out[u] = sum_j' dyPad[u + j'] * wSub[j'], dyPad[t] = dy[t + q0 - (taps - 1)].
  const before = taps - 1 - q0;
  const after = count + taps - 1 - a.outSize - before;
  return {
    taps,
    q0,
    count,
    cropBefore: Math.max(0, -before),
    cropAfter: Math.max(0, -after),
    padBefore: Math.max(0, before),
    padAfter: Math.max(0, after),
    sliceStart: a.padBefore - q0 * s,
  };
}

/**
 * Filter gradient as a forward conv of x (batch and channels swapped) with dy as the kernel:
 * stride = forward dilation, dilation = forward stride, same leading pad; the trailing pad makes
 * the result at least `kernel` long (it is sliced to `kernel`).
 */
export interface FilterGradPlan {
  padBefore: number;
  padAfter: number;
  /** Length of the conv result before slicing. */
  resultSize: number;
}

export function filterGradPlan(a: AxisConv): FilterGradPlan {
  const span = (a.outSize - 1) * a.stride + 1;
  const need = (a.kernel - 1) * a.dilation + span;
  const padAfter = Math.max(0, need - a.inSize - a.padBefore);
  const resultSize = Math.floor((a.inSize + a.padBefore + padAfter - span) / a.dilation) + 1;
  return { padBefore: a.padBefore, padAfter, resultSize };
}
