import type { Space } from '../spaces/space.js';

/**
 * Whether `x` behaves as a Space. By its members rather than `instanceof`: an env written in
 * plain JS against the built package has its own copy of the Space classes.
 */
export function isSpaceLike(x: unknown): x is Space {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.contains === 'function' &&
    typeof s.sample === 'function' &&
    typeof s.seed === 'function' &&
    typeof s.toJSON === 'function' &&
    Array.isArray(s.shape)
  );
}
