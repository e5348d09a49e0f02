/** Pieces the classic-control envs share: kwargs checks, reset bounds, spaces and drawing helpers. */
import type { ResetOptions } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import { Box } from '../spaces/box.js';
import { describeValue, type Space } from '../spaces/space.js';

/** A float32 Box whose samples and members are typed as Float32Array. */
export type Float32Box = Box & Space<Float32Array>;

export function float32Box(low: number | readonly number[], high: number | readonly number[], shape?: readonly number[]): Float32Box {
  return new Box(low, high, shape, 'float32') as Float32Box;
}

/** Largest finite float32, Gymnasium's `np.finfo(np.float32).max` bound. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Rejects kwargs the env does not know (a typo would otherwise be silently ignored). */
export function checkKwargs(env: string, kwargs: EnvKwargs | undefined, allowed: readonly string[]): EnvKwargs {
  const k = kwargs ?? {};
  if (typeof k !== 'object' || k === null || Array.isArray(k)) throw new TypeError(`${env}: kwargs must be an object`);
  for (const key of Object.keys(k))
    if (!allowed.includes(key)) throw new TypeError(`${env}: unknown kwarg '${key}' (known: ${allowed.join(', ')})`);
  return k;
}

/** A finite number kwarg, or its default when absent. */
export function numberKwarg(env: string, kwargs: EnvKwargs, key: string, fallback: number): number {
  const v = kwargs[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${env}: kwarg ${key} must be a finite number, got ${String(v)}`);
  return v;
}

export const RENDER_KWARGS = ['renderWidth', 'renderHeight'] as const;

/** Applies the `renderWidth` / `renderHeight` kwargs (positive integers; absent keeps the scene size). */
export function applyRenderSize(env: { renderWidth: number | null; renderHeight: number | null }, name: string, kwargs: EnvKwargs): void {
  for (const key of RENDER_KWARGS) {
    const v = kwargs[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${name}: kwarg ${key} must be a positive integer, got ${String(v)}`);
    env[key] = v;
  }
}

/**
 * Gymnasium's `maybe_parse_reset_bounds`: reset({ options: { low, high } }) overrides the
 * uniform range the initial state is drawn from.
 */
export function resetBounds(env: string, opts: ResetOptions | undefined, low: number, high: number): [number, number] {
  const o = opts?.options;
  if (!o) return [low, high];
  const lo = 'low' in o ? toNumber(env, 'low', o.low) : low;
  const hi = 'high' in o ? toNumber(env, 'high', o.high) : high;
  if (lo > hi) throw new RangeError(`${env}: reset option low (${lo}) must not exceed high (${hi})`);
  return [lo, hi];
}

/** A reset option that must be a finite number. */
export function toNumber(env: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${env}: reset option ${key} must be a finite number, got ${String(v)}`);
  return v;
}

/** Checks a Discrete(n) action (n ≤ 3 here), naming the allowed values in the error. */
export function checkDiscreteAction(env: string, action: number, n: number): void {
  if (Number.isInteger(action) && action >= 0 && action < n) return;
  const allowed = Array.from({ length: n }, (_, i) => String(i));
  const list = `${allowed.slice(0, -1).join(', ')} or ${allowed[n - 1]}`;
  throw new RangeError(`${env}: action must be ${list}, got ${describeValue(action)}`);
}

/** The number in a one-element continuous action (Pendulum's torque, the car's push); throws on anything else. */
export function scalarAction(env: string, action: ArrayLike<number>): number {
  const a = action?.[0];
  if (action?.length !== 1 || typeof a !== 'number' || !Number.isFinite(a))
    throw new RangeError(`${env}: action must be one finite number in an array, got ${describeValue(action)}`);
  return a;
}

/** Checks a state vector for the `state` setter; returns it as plain numbers. */
export function checkState(env: string, s: ArrayLike<number>, names: readonly string[]): number[] {
  if (!s || typeof s !== 'object' || typeof s.length !== 'number' || s.length !== names.length)
    throw new RangeError(`${env}: state must be ${names.length} numbers [${names.join(', ')}]`);
  const out = Array.from(s);
  out.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${env}: state ${names[i]} must be a finite number, got ${String(v)}`);
  });
  return out;
}

/**
 * Corners (l,b), (l,t), (r,t), (r,b) of a box in Gymnasium's y-up drawing space, rotated by
 * `angle` (counter-clockwise) and moved to (tx, ty), as flat scene points with y flipped down
 * (scene y = height − y), the way Gymnasium flips its surface before returning it.
 */
export function rotatedBox(l: number, r: number, b: number, t: number, angle: number, tx: number, ty: number, height: number): number[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const out: number[] = [];
  for (const [x, y] of [
    [l, b],
    [l, t],
    [r, t],
    [r, b],
  ] as const) {
    out.push(tx + x * c - y * s, height - (ty + x * s + y * c));
  }
  return out;
}

/** Gymnasium's `bound`: clamps x into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
