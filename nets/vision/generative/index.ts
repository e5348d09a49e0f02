// Generative models of frames (cs231n ch. 12) serving RL: autoencoder and VAE features, novelty
// bonuses, GAN and a GAIL-style reward model, PixelCNN pseudo-counts.
export * from './frameModel.js';
export * from './autoencoder.js';
export * from './vae.js';
export * from './novelty.js';
export * from './auc.js';
export * from './gan.js';
export * from './gail.js';
export * from './pixelcnn.js';
