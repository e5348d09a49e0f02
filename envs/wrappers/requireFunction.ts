/** Throws a clear TypeError unless `fn` is a function. */
export function requireFunction(fn: unknown, where: string): void {
  if (typeof fn !== 'function') throw new TypeError(`${where}: expected a function, got ${String(fn)}`);
}
