// Shared types of the module library: builders compose symbolic tensors (the tfjs functional API).
import type * as tf from '@tensorflow/tfjs';

/** A layer stack: takes a symbolic tensor, returns the symbolic output of its last layer. */
export type Block = (x: tf.SymbolicTensor) => tf.SymbolicTensor;

/** Hidden-layer nonlinearities (cs231n ch. 6.1). 'leakyRelu' uses slope 0.01 for x < 0. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'leakyRelu' | 'elu' | 'linear';

/**
 * Weight initializations (cs231n ch. 6.3). 'smallRandom' is 0.01·N(0,1), the course's first try,
 * fine for small nets and vanishing in deep ones; 'he*' suit relu, 'glorot*' tanh/sigmoid.
 */
export type Init = 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'smallRandom';

/** Height × width × channels of an image input (HWC, as pixel observations are laid out). */
export type ImageShape = [number, number, number];
