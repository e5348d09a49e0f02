import type { Box } from '../spaces/box.js';
import type { Discrete } from '../spaces/discrete.js';
import { describeValue } from '../spaces/space.js';
import type { SlotLayout } from './layout.js';
import type { BatchArray } from './types.js';

/**
 * Checks a batch of actions against the single action space, then copies it into `out`.
 * Everything is checked before anything is written, so a bad batch changes nothing. Every
 * env's action is checked, including envs whose action an autoreset will ignore.
 */
export function writeActions(layout: SlotLayout, numEnvs: number, actions: ArrayLike<number>, out: BatchArray): void {
  const expected = numEnvs * layout.size;
  if (actions === null || typeof actions !== 'object' || typeof (actions as { length?: unknown }).length !== 'number')
    throw new TypeError(`step: actions must be a typed array or number[] of length ${expected}, got ${describeValue(actions)}`);
  if (actions.length !== expected) {
    const per = layout.size === 1 ? '' : ` (${numEnvs} envs × ${layout.size})`;
    throw new RangeError(`step: expected ${expected} actions${per}, got ${actions.length}`);
  }
  if (layout.kind === 'discrete') checkDiscrete(layout.space as Discrete, actions);
  else checkBox(layout.space as Box, layout.size, actions);
  out.set(actions);
}

function checkDiscrete(space: Discrete, actions: ArrayLike<number>): void {
  const lo = space.start;
  const hi = space.start + space.n;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i];
    if (typeof a !== 'number' || !Number.isInteger(a) || a < lo || a >= hi)
      throw new RangeError(`step: action for env ${i} is ${describeValue(a)}, outside ${String(space)}`);
  }
}

function checkBox(space: Box, size: number, actions: ArrayLike<number>): void {
  const f32 = space.dtype === 'float32';
  const integral = space.dtype === 'uint8';
  for (let i = 0; i < actions.length; i++) {
    const raw = actions[i];
    const j = i % size;
    const env = (i - j) / size;
    if (typeof raw !== 'number' || !Number.isFinite(raw))
      throw new RangeError(`step: action for env ${env} has a non-finite or non-number value (${String(raw)}) at index ${j}`);
    const v = f32 ? Math.fround(raw) : raw;
    if (!(v >= space.low[j]! && v <= space.high[j]!) || (integral && !Number.isInteger(v)))
      throw new RangeError(`step: action for env ${env} has ${raw} at index ${j}, outside ${String(space)}`);
  }
}
