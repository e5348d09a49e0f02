/**
 * Validation of env constructor kwargs. Every check throws a clear error naming the env and the
 * kwarg before anything is built, so a bad kwarg never leaves a half-made env behind.
 */
export type Kwargs = Record<string, unknown>;

/** Rejects kwargs the env does not know (a typo would otherwise be silently ignored). */
export function checkKnownKwargs(env: string, kwargs: Kwargs, known: readonly string[]): void {
  for (const k of Object.keys(kwargs)) {
    if (kwargs[k] !== undefined && !known.includes(k))
      throw new TypeError(`${env}: unknown kwarg '${k}'; known kwargs are ${known.join(', ')}`);
  }
}

export function boolKwarg(env: string, kwargs: Kwargs, name: string, fallback: boolean): boolean {
  const v = kwargs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new TypeError(`${env}: kwarg '${name}' must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

export function probabilityKwarg(env: string, kwargs: Kwargs, name: string, fallback: number): number {
  const v = kwargs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new RangeError(`${env}: kwarg '${name}' must be a probability in [0, 1], got ${JSON.stringify(v)}`);
  return v;
}

export function intKwarg(env: string, kwargs: Kwargs, name: string, fallback: number, min: number, max: number): number {
  const v = kwargs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${env}: kwarg '${name}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

export function numberKwarg(env: string, kwargs: Kwargs, name: string, fallback: number, min: number, max: number): number {
  const v = kwargs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new RangeError(`${env}: kwarg '${name}' must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

export function choiceKwarg<T extends string>(env: string, kwargs: Kwargs, name: string, choices: readonly T[], fallback: T): T {
  const v = kwargs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v))
    throw new TypeError(`${env}: kwarg '${name}' must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Largest frame side the pixel envs accept: keeps a typo like 84000 from allocating gigabytes. */
export const MAX_FRAME_SIDE = 1024;
