// Validation of what callers add, done before anything is written so bad input changes nothing.
import type { ActionInput, ActionSpec, ObservationInput } from './types.js';

/** Per-env data given either flat [n, ...shape] or as n rows. */
export type RowsOrFlat = ArrayLike<number> | readonly ArrayLike<number>[];

export function isRows(x: RowsOrFlat): x is readonly ArrayLike<number>[] {
  return x.length > 0 && typeof x[0] === 'object' && x[0] !== null;
}

/** The array holding env e's row: the row itself, or the flat array. */
export function rowArray(x: RowsOrFlat, e: number): ArrayLike<number> {
  return isRows(x) ? x[e]! : (x as ArrayLike<number>);
}

/** Where env e's row starts in `rowArray(x, e)`. */
export function rowOffset(x: RowsOrFlat, e: number, rowSize: number): number {
  return isRows(x) ? 0 : e * rowSize;
}

/**
 * Checks an observation's length: one frame (`frameSize` values) or, when frames are stacked,
 * a whole stack (`frameSize * stack`). Returns true for a stack.
 */
export function observationIsStack(obs: ObservationInput, frameSize: number, stack: number, what: string): boolean {
  if (typeof obs === 'number') {
    if (frameSize !== 1) throw new RangeError(`${what}: got a number, expected ${frameSize} values`);
    if (!Number.isFinite(obs)) throw new RangeError(`${what}: ${obs} is not finite`);
    return false;
  }
  if (obs === null || typeof obs !== 'object' || typeof obs.length !== 'number') throw new TypeError(`${what}: expected an array of ${frameSize} numbers`);
  if (obs.length === frameSize) return false;
  if (stack > 1 && obs.length === frameSize * stack) return true;
  const stackNote = stack > 1 ? ` or ${frameSize * stack} (a stack of ${stack})` : '';
  throw new RangeError(`${what}: expected ${frameSize} values (one frame)${stackNote}, got ${obs.length}`);
}

/** Same, for env rows of a batch. Returns true when the rows are stacks. */
export function batchObservationIsStack(obs: RowsOrFlat, numEnvs: number, frameSize: number, stack: number, what: string): boolean {
  if (isRows(obs)) {
    if (obs.length !== numEnvs) throw new RangeError(`${what}: expected ${numEnvs} env rows, got ${obs.length}`);
    let stacked = false;
    for (let e = 0; e < numEnvs; e++) {
      const s = observationIsStack(obs[e]!, frameSize, stack, `${what}[${e}]`);
      if (e > 0 && s !== stacked) throw new RangeError(`${what}: rows mix single frames and stacks`);
      stacked = s;
    }
    return stacked;
  }
  if (obs.length === numEnvs * frameSize) return false;
  if (stack > 1 && obs.length === numEnvs * frameSize * stack) return true;
  const stackNote = stack > 1 ? ` or ${numEnvs * frameSize * stack} (stacks of ${stack})` : '';
  throw new RangeError(`${what}: expected ${numEnvs * frameSize} values (${numEnvs} envs × one frame)${stackNote}, got ${obs.length}`);
}

export function checkAction(action: ActionInput, spec: ActionSpec, what: string): void {
  if (spec.kind === 'discrete') {
    const a = typeof action === 'number' ? action : action.length === 1 ? action[0]! : NaN;
    if (!Number.isInteger(a) || a < -2147483648 || a > 2147483647) throw new RangeError(`${what}: discrete action must be an int32 integer, got ${String(action)}`);
    return;
  }
  if (typeof action === 'number' ? spec.dim !== 1 : action.length !== spec.dim) {
    throw new RangeError(`${what}: continuous action must have ${spec.dim} values, got ${typeof action === 'number' ? 1 : action.length}`);
  }
  if (typeof action === 'number') {
    if (!Number.isFinite(action)) throw new RangeError(`${what}: action ${action} is not finite`);
    return;
  }
  for (let i = 0; i < spec.dim; i++) if (!Number.isFinite(action[i]!)) throw new RangeError(`${what}: action[${i}] = ${action[i]} is not finite`);
}

export function checkBatchActions(actions: RowsOrFlat, numEnvs: number, spec: ActionSpec, what: string): void {
  const dim = spec.kind === 'discrete' ? 1 : spec.dim;
  if (isRows(actions)) {
    if (actions.length !== numEnvs) throw new RangeError(`${what}: expected ${numEnvs} env rows, got ${actions.length}`);
    for (let e = 0; e < numEnvs; e++) checkAction(actions[e]!, spec, `${what}[${e}]`);
    return;
  }
  if (actions.length !== numEnvs * dim) throw new RangeError(`${what}: expected ${numEnvs * dim} values, got ${actions.length}`);
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (spec.kind === 'discrete' ? !Number.isInteger(a) || a < -2147483648 || a > 2147483647 : !Number.isFinite(a)) {
      throw new RangeError(`${what}[${i}]: bad action ${a}`);
    }
  }
}

export function checkReward(reward: number, what: string): void {
  if (typeof reward !== 'number' || !Number.isFinite(reward)) throw new RangeError(`${what}: reward must be a finite number, got ${String(reward)}`);
}

export function checkLength(x: ArrayLike<unknown> | undefined, n: number, what: string): void {
  if (x === undefined || x === null || typeof x.length !== 'number') throw new TypeError(`${what}: expected an array of ${n}`);
  if (x.length !== n) throw new RangeError(`${what}: expected ${n} values, got ${x.length}`);
}

export function checkEnvIndex(e: number, numEnvs: number): void {
  if (!Number.isInteger(e) || e < 0 || e >= numEnvs) throw new RangeError(`env index ${e} out of [0, ${numEnvs})`);
}
