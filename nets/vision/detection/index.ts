// Detection (cs231n ch. 10.2–10.3): boxes, NMS, anchors, RoI pooling, mAP, a classifier-localizer and
// a two-stage (Faster R-CNN style) detector.
export * from './boxes.js';
export * from './nms.js';
export * from './anchors.js';
export * from './roiPool.js';
export * from './meanAveragePrecision.js';
export * from './datasetBoxes.js';
export * from './imageBatch.js';
export * from './losses.js';
export * from './optimizeStep.js';
export * from './localizer.js';
export * from './rpnTargets.js';
export * from './proposals.js';
export * from './roiTargets.js';
export * from './detector.js';
