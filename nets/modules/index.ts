// The module library: builders of layer stacks and models (see docs in each file).
export * from './types.js';
export * from './seeds.js';
export * from './naming.js';
export { activationBlock, applyLayer, compose, convBlock, denseBlock, dropoutBlock, flattenBlock, initializer, inlineModel, inputOf, rescaleBlock, toModel, LEAKY_RELU_ALPHA } from './layers.js';
export type { ConvOptions, DenseOptions } from './layers.js';
export * from './mlp.js';
export * from './natureCnn.js';
export * from './minatarCnn.js';
export * from './vgg.js';
export * from './inception.js';
export * from './pooling.js';
export * from './resnet.js';
export * from './impala.js';
export * from './headLayers.js';
export * from './heads.js';
export * from './attention.js';
export * from './recurrent.js';
