// Semantic segmentation (cs231n ch. 10.1): a fully convolutional encoder–decoder and mean IoU.
export * from './meanIoU.js';
export * from './segmenter.js';
