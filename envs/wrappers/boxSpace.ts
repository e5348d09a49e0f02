import { Box } from '../spaces/box.js';
import type { Space } from '../spaces/space.js';

/**
 * The space as a Box, or a clear error. Accepts a Box from another copy of the package (a user's
 * env built against dist/) by its JSON type, since `instanceof` fails across copies.
 */
export function requireBox(space: Space<unknown>, where: string, what: 'action' | 'observation'): Box {
  if (space instanceof Box) return space;
  let type: unknown;
  try {
    type = (space.toJSON() as { type?: unknown }).type;
  } catch {
    type = undefined;
  }
  if (type === 'Box') return space as unknown as Box;
  throw new TypeError(`${where}: needs a Box ${what} space, got ${String(space)}`);
}
