// Custom layers of the policy/value heads, registered for (de)serialization so saved models load back.
// Dueling: Wang et al. 2016, "Dueling Network Architectures for Deep RL"; state-independent log-std as in
// Schulman et al. 2015/2017 (TRPO/PPO Gaussian policies).
import * as tf from '@tensorflow/tfjs';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Shape = (number | null)[];

/** [V: [batch, 1], A: [batch, n]] → V + A − mean(A): Q-values whose advantages are centred per state. */
export class DuelingCombine extends tf.layers.Layer {
  static readonly className = 'PixelgymDuelingCombine';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error('DuelingCombine expects [value, advantages]');
    return shapes[1]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('DuelingCombine expects [value, advantages]');
      const [v, a] = inputs as [tf.Tensor, tf.Tensor];
      return tf.add(v, tf.sub(a, tf.mean(a, -1, true)));
    });
  }
}
tf.serialization.registerClass(DuelingCombine);

export interface LogStdParameterArgs {
  /** Number of action dimensions. */
  size: number;
  /** Starting value of every log-std. Default 0 (std 1). */
  initLogStd?: number;
  name?: string;
  trainable?: boolean;
}

/**
 * A trainable vector log σ that ignores its input's values and repeats itself once per batch row:
 * [batch, *] → [batch, size]. The input only supplies the batch size.
 */
export class LogStdParameter extends tf.layers.Layer {
  static readonly className = 'PixelgymLogStdParameter';
  readonly size: number;
  readonly initLogStd: number;
  private logStd: tf.LayerVariable | null = null;

  constructor(args: LogStdParameterArgs) {
    super({ name: args.name, trainable: args.trainable });
    if (!Number.isInteger(args.size) || args.size <= 0) throw new Error(`LogStdParameter: size must be a positive integer, got ${args.size}`);
    this.size = args.size;
    this.initLogStd = args.initLogStd ?? 0;
  }

  override build(): void {
    this.logStd = this.addWeight('log_std', [this.size], 'float32', tf.initializers.constant({ value: this.initLogStd }));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0] ?? null, this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const logStd = this.logStd!.read();
      return tf.tile(tf.reshape(logStd, [1, this.size]), [x.shape[0]!, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size, initLogStd: this.initLogStd };
  }
}
tf.serialization.registerClass(LogStdParameter);
