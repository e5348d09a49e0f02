// Frame datasets: env frames with exact ground truth (kinds, boxes, masks) from the env's scene.
export { FrameDataset, type FrameDatasetParts, type FrameTensors, type ObjectBox, type SplitOptions } from './frameDataset.js';
export { collectFrames, MAX_COLLECT_FRAMES, type CollectOptions, type FramePolicy } from './collect.js';
export { sceneBoxes, BOX_MODES, type BoxMode } from './boxes.js';
export { saveDataset, loadDataset } from './io.js';
