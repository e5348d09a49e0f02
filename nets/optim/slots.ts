// Base for our own optimizers: per-variable slot variables (moments, accumulators) kept in the same
// order and names as tfjs's optimizers, so getWeights()/setWeights() state moves between them.
import * as tf from '@tensorflow/tfjs';

/** tfjs's NamedTensor (not exported by @tensorflow/tfjs). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface SlotVariable {
  originalName: string;
  variable: tf.Variable;
}

export abstract class SlotOptimizer extends tf.Optimizer {
  /** slots[k][i]: slot kind k (e.g. m, v) of the i-th variable in applyGradients order. */
  protected slots: SlotVariable[][];

  protected constructor(private readonly suffixes: readonly string[]) {
    super();
    this.slots = suffixes.map(() => []);
  }

  /** The slot variable, created as zeros on first use (tfjs keys slots by position, as we do). */
  protected slot(kind: number, index: number, name: string, like: tf.Tensor): tf.Variable {
    const list = this.slots[kind]!;
    let s = list[index];
    if (!s) {
      s = { originalName: `${name}/${this.suffixes[kind]}`, variable: tf.tidy(() => tf.zerosLike(like).variable(false)) };
      list[index] = s;
    }
    return s.variable;
  }

  /** Variable names and gradients, in applyGradients order. */
  protected static entries(grads: tf.NamedTensorMap | NamedTensor[]): Array<[string, tf.Tensor | undefined]> {
    return Array.isArray(grads) ? grads.map((g) => [g.name, g.tensor]) : Object.keys(grads).map((k) => [k, grads[k]]);
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const iter = await this.saveIterations();
    return [iter, ...this.slots.flat().map((s) => ({ name: s.originalName, tensor: s.variable }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length % this.slots.length !== 0) {
      throw new Error(`${this.getClassName()}.setWeights: ${rest.length} tensors do not split into ${this.slots.length} slot kinds`);
    }
    const per = rest.length / this.slots.length;
    // New variables share the given tensors' data, so the old slots can go afterwards even when the
    // weights came from this optimizer's own getWeights().
    const next = this.slots.map((_, k) =>
      rest.slice(k * per, (k + 1) * per).map((w) => ({ originalName: w.name, variable: w.tensor.variable(false) })),
    );
    this.disposeSlots();
    this.slots = next;
    this.afterSetWeights();
  }

  /** Hook for state derived from the iteration count. */
  protected afterSetWeights(): void {}

  private disposeSlots(): void {
    for (const list of this.slots) for (const s of list) s.variable.dispose();
  }

  override dispose(): void {
    super.dispose();
    this.disposeSlots();
    this.slots = this.slots.map(() => []);
  }
}
