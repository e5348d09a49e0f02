import { Box } from '../spaces/box.js';
import { MultiDiscrete } from '../spaces/multiDiscrete.js';
import type { Space } from '../spaces/space.js';
import { slotLayout, type SlotLayout } from './layout.js';

/**
 * The space of a whole batch (Gymnasium's `batch_space`): Discrete(n, start) becomes
 * MultiDiscrete of numEnvs entries (values are Int32Array), Box of shape S becomes Box of shape
 * [numEnvs, ...S] with its bounds repeated.
 */
export function batchSpace(space: Space, numEnvs: number): Box | MultiDiscrete {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`batchSpace: numEnvs must be a positive integer, got ${String(numEnvs)}`);
  return batchLayoutSpace(slotLayout(space, 'batched'), numEnvs);
}

export function batchLayoutSpace(layout: SlotLayout, numEnvs: number): Box | MultiDiscrete {
  const s = layout.space;
  if (layout.kind === 'discrete') {
    const d = s as unknown as { n: number; start: number };
    return new MultiDiscrete(new Int32Array(numEnvs).fill(d.n), new Int32Array(numEnvs).fill(d.start));
  }
  const box = s as Box;
  const size = layout.size;
  const low = new Float64Array(numEnvs * size);
  const high = new Float64Array(numEnvs * size);
  for (let i = 0; i < numEnvs; i++) {
    low.set(box.low, i * size);
    high.set(box.high, i * size);
  }
  return new Box(low, high, [numEnvs, ...box.shape], box.dtype);
}
