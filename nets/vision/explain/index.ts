// Explanations of networks (cs231n ch. 11): saliency, guided backprop, occlusion, filters,
// activations, patches, neighbours, gradient ascent, DeepDream, inversion, Gram matrices.
export * from './map.js';
export * from './input.js';
export * from './saliency.js';
export * from './occlusion.js';
export * from './layers.js';
export * from './ascent.js';
export * from './gram.js';
export * from './viewer.js';
export * from './attention.js';
