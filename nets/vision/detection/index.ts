// Detection (cs231n ch. 10.2–10.3): boxes, NMS, anchors, RoI pooling, mAP, a classifier-localizer and
// a two-stage (Faster R-CNN style) detector. Shared training helpers (frame batches, losses, the
// optimizer step, model files) stay internal to nets/vision: import them by path.
export * from './boxes.js';
export * from './nms.js';
export * from './anchors.js';
export * from './roiPool.js';
export * from './meanAveragePrecision.js';
export * from './datasetBoxes.js';
export * from './localizer.js';
export * from './rpnTargets.js';
export * from './proposals.js';
export * from './roiTargets.js';
export * from './detector.js';
