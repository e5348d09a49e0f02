import type { Info } from '../core.js';
import type { Space } from '../spaces/space.js';
import { batchLayoutSpace } from './batchSpace.js';
import { allocBuffers, type BatchBuffers } from './buffers.js';
import { slotLayout, type SlotLayout } from './layout.js';
import type { AutoresetMode } from './types.js';

/** What both vector env classes derive from the single spaces: layouts, batch spaces, buffers and info slots. */
export interface BatchSetup {
  readonly obsLayout: SlotLayout;
  readonly actLayout: SlotLayout;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly bufs: BatchBuffers;
  /** Per-env infos of the last call (null: empty), refilled by every reset / step. */
  readonly infos: Array<Info | null>;
  /** Per-env raw infos of episodes that ended in the last step ('same-step' mode). */
  readonly finalInfos: Array<Info | null>;
}

/**
 * Sets up a batch of `numEnvs` envs with the given single spaces; buffers in shared memory when
 * `shared` (AsyncVectorEnv). A seed also seeds the single and batched action spaces' samplers.
 */
export function setupBatch(
  single: { observationSpace: Space; actionSpace: Space },
  numEnvs: number,
  mode: AutoresetMode,
  shared: boolean,
  seed: number | undefined,
): BatchSetup {
  const obsLayout = slotLayout(single.observationSpace, 'observation');
  const actLayout = slotLayout(single.actionSpace, 'action');
  const actionSpace = batchLayoutSpace(actLayout, numEnvs);
  if (seed !== undefined) {
    single.actionSpace.seed(seed);
    actionSpace.seed(seed);
  }
  return {
    obsLayout,
    actLayout,
    observationSpace: batchLayoutSpace(obsLayout, numEnvs),
    actionSpace,
    bufs: allocBuffers(numEnvs, obsLayout, actLayout, mode, shared),
    infos: new Array<Info | null>(numEnvs).fill(null),
    finalInfos: new Array<Info | null>(numEnvs).fill(null),
  };
}
