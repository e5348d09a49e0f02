/** Throws on kwargs an env does not know, so a typo is an error rather than a silent default. */
export function checkKnownKeys(envName: string, kwargs: object, known: readonly string[]): void {
  for (const key of Object.keys(kwargs)) {
    if (!known.includes(key)) throw new TypeError(`${envName}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
}

export function readBoolean(envName: string, value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${envName}: ${name} must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

export function readNumber(envName: string, value: unknown, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`${envName}: ${name} must be a finite number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return value;
}
