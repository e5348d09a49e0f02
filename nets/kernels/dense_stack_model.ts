// Runs a LayersModel with every chain of two or more Dense layers as one dense-stack kernel. The model
// itself is untouched (same layers, weight names and order, same saved topology), so saving, loading,
// copyWeights, polyak averaging and freezing work as before; only this instance's call (model.apply on
// tensors), predict and predictOnBatch take the fused path, when the back end is one it was fused for
// and the input is one float32 [batch, features] tensor. Anything else runs the original methods.
import * as tf from '@tensorflow/tfjs';
import {
  MAX_STACK_DEPTH,
  MIN_STACK_DEPTH,
  STACK_ACTIVATIONS,
  STACK_BACKENDS,
  denseStack,
  denseStackAvailable,
  registerDenseStackKernels,
  type StackActivation,
} from './dense_stack.js';

/** What we read of tfjs-layers' Dense (its class is not exported with types). */
interface DenseInternals {
  kernel: { read(): tf.Tensor } | null;
  bias: { read(): tf.Tensor } | null;
  useBias: boolean;
  activation: { getClassName(): string };
  activityRegularizer?: unknown;
}

interface Node {
  layer: tf.layers.Layer;
  inputs: tf.SymbolicTensor[];
}

type Step =
  | { kind: 'stack'; input: number; output: number; layers: DenseInternals[]; activations: StackActivation[] }
  | { kind: 'layer'; layer: tf.layers.Layer; inputs: number[]; output: number; index: number };

interface Plan {
  input: number;
  outputs: number[];
  steps: Step[];
  /** Dense layers fused, for tests and reports. */
  fusedLayers: number;
  maxDepth: number;
}

function fusable(t: tf.SymbolicTensor): StackActivation | null {
  const layer = t.sourceLayer as unknown as DenseInternals & tf.layers.Layer;
  if (layer.getClassName() !== 'Dense' || !layer.useBias || layer.activityRegularizer) return null;
  if (t.inputs.length !== 1 || t.inputs[0]!.shape.length !== 2) return null;
  const act = layer.activation.getClassName();
  return (STACK_ACTIVATIONS as readonly string[]).includes(act) ? (act as StackActivation) : null;
}

/** Topological order of the symbolic tensors the outputs depend on, and how often each is consumed. */
function walk(model: tf.LayersModel): { order: tf.SymbolicTensor[]; uses: Map<number, number> } {
  const order: tf.SymbolicTensor[] = [];
  const seen = new Set<number>();
  const uses = new Map<number, number>();
  const visit = (t: tf.SymbolicTensor): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const u of t.inputs) {
      uses.set(u.id, (uses.get(u.id) ?? 0) + 1);
      visit(u);
    }
    order.push(t);
  };
  for (const o of model.outputs) {
    uses.set(o.id, (uses.get(o.id) ?? 0) + 1); // an output is consumed by the caller
    visit(o);
  }
  return { order, uses };
}

function plan(model: tf.LayersModel): Plan | null {
  if (model.inputs.length !== 1) return null;
  const input = model.inputs[0]!;
  const { order, uses } = walk(model);
  const steps: Step[] = [];
  // chainOf[id]: the open chain ending at symbolic tensor id (its only consumer may extend it).
  const chainOf = new Map<number, { input: number; layers: DenseInternals[]; activations: StackActivation[] }>();
  const emitted = new Set<number>();
  let fusedLayers = 0;
  let maxDepth = 0;
  const close = (id: number): void => {
    const c = chainOf.get(id);
    if (!c || emitted.has(id)) return;
    emitted.add(id);
    if (c.layers.length >= MIN_STACK_DEPTH) {
      steps.push({ kind: 'stack', input: c.input, output: id, layers: c.layers, activations: c.activations });
      fusedLayers += c.layers.length;
      maxDepth = Math.max(maxDepth, c.layers.length);
    } else {
      const t = order.find((s) => s.id === id)!;
      steps.push({ kind: 'layer', layer: t.sourceLayer, inputs: [c.input], output: id, index: t.outputTensorIndex ?? 0 });
    }
  };
  for (const t of order) {
    if (t.id === input.id) continue;
    if (t.sourceLayer.getClassName() === 'InputLayer') return null; // a second input
    const act = fusable(t);
    const src = t.inputs[0];
    const prev = act && src ? chainOf.get(src.id) : undefined;
    if (act && prev && uses.get(src!.id) === 1 && !emitted.has(src!.id) && prev.layers.length < MAX_STACK_DEPTH) {
      chainOf.delete(src!.id);
      chainOf.set(t.id, { input: prev.input, layers: [...prev.layers, t.sourceLayer as unknown as DenseInternals], activations: [...prev.activations, act] });
    } else {
      for (const u of t.inputs) close(u.id);
      if (act) chainOf.set(t.id, { input: src!.id, layers: [t.sourceLayer as unknown as DenseInternals], activations: [act] });
      else steps.push({ kind: 'layer', layer: t.sourceLayer, inputs: t.inputs.map((u) => u.id), output: t.id, index: t.outputTensorIndex ?? 0 });
    }
  }
  for (const o of model.outputs) close(o.id);
  if (fusedLayers === 0) return null;
  return { input: input.id, outputs: model.outputs.map((o) => o.id), steps, fusedLayers, maxDepth };
}

function run(p: Plan, x: tf.Tensor, kwargs: tf.serialization.ConfigDict): tf.Tensor[] {
  const values = new Map<number, tf.Tensor>([[p.input, x]]);
  const get = (id: number): tf.Tensor => {
    const v = values.get(id);
    if (!v) throw new Error('fused model: a step ran before its input (plan out of order)');
    return v;
  };
  for (const s of p.steps) {
    if (s.kind === 'stack') {
      const layers = s.layers.map((l, i) => ({ kernel: l.kernel!.read(), bias: l.bias!.read(), activation: s.activations[i]! }));
      values.set(s.output, denseStack(get(s.input), layers));
    } else {
      const args = s.inputs.map(get);
      const out = s.layer.apply(args.length === 1 ? args[0]! : args, kwargs);
      const list = (Array.isArray(out) ? out : [out]) as tf.Tensor[];
      values.set(s.output, list[s.index]!);
    }
  }
  return p.outputs.map(get);
}

const plans = new WeakMap<tf.LayersModel, Plan>();
/** The methods fuseDenseStacks replaced, to put back. */
const originals = new WeakMap<tf.LayersModel, Pick<tf.LayersModel, 'call' | 'predict' | 'predictOnBatch'>>();

/** Layers fused and the deepest stack, or null when `model` runs unfused. */
export function fusedDenseInfo(model: tf.LayersModel): { fusedLayers: number; maxDepth: number } | null {
  const p = plans.get(model);
  return p ? { fusedLayers: p.fusedLayers, maxDepth: p.maxDepth } : null;
}

export interface FuseOptions {
  /**
   * Back ends on which the fused path runs (of 'wasm' and 'cpu'). Default both. Fused and plain
   * results agree to float32 rounding, not bit for bit (the sums run in another order).
   */
  backends?: readonly string[];
}

/**
 * Makes `model` run its Dense chains as fused kernels (see the file comment); returns the same model.
 * A model with no chain of two or more plain Dense layers is returned unchanged.
 */
export function fuseDenseStacks(model: tf.LayersModel, options: FuseOptions = {}): tf.LayersModel {
  if (plans.has(model)) return model;
  const backends = options.backends ?? STACK_BACKENDS;
  const unknown = backends.find((b) => !STACK_BACKENDS.includes(b));
  if (unknown !== undefined) throw new Error(`fuseDenseStacks: no fused kernels for back end '${unknown}' (${STACK_BACKENDS.join(', ')})`);
  const p = plan(model);
  if (!p) return model;
  registerDenseStackKernels();
  plans.set(model, p);
  const inputWidth = model.inputs[0]!.shape[1];
  const single = (x: unknown): tf.Tensor | null => {
    const t = Array.isArray(x) ? (x.length === 1 ? x[0] : null) : x;
    if (!(t instanceof tf.Tensor) || t.dtype !== 'float32' || t.rank !== 2 || t.shape[1] !== inputWidth) return null;
    return backends.includes(tf.getBackend()) && denseStackAvailable(p.maxDepth) ? t : null;
  };
  const result = (outs: tf.Tensor[]): tf.Tensor | tf.Tensor[] => (outs.length === 1 ? outs[0]! : outs);
  const original = { call: model.call.bind(model), predict: model.predict.bind(model), predictOnBatch: model.predictOnBatch.bind(model) };
  originals.set(model, { call: model.call, predict: model.predict, predictOnBatch: model.predictOnBatch });
  const m = model as unknown as {
    call: (inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict) => tf.Tensor | tf.Tensor[];
    predict: (x: tf.Tensor | tf.Tensor[], args?: Parameters<tf.LayersModel["predict"]>[1]) => tf.Tensor | tf.Tensor[];
    predictOnBatch: (x: tf.Tensor | tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  };
  m.call = (inputs, kwargs) => {
    const x = single(inputs);
    if (!x || (kwargs && 'mask' in kwargs && kwargs['mask'] != null)) return original.call(inputs, kwargs);
    return tf.tidy(() => result(run(p, x, kwargs ?? {})));
  };
  m.predict = (x, args) => {
    const t = single(x);
    return t ? tf.tidy(() => result(run(p, t, {}))) : original.predict(x, args);
  };
  m.predictOnBatch = (x) => {
    const t = single(x);
    return t ? tf.tidy(() => result(run(p, t, {}))) : original.predictOnBatch(x);
  };
  return model;
}

/** Undoes fuseDenseStacks: `model` runs its layers one by one again (e.g. to compare both paths). */
export function unfuseDenseStacks(model: tf.LayersModel): tf.LayersModel {
  const o = originals.get(model);
  if (!o) return model;
  const m = model as unknown as Record<'call' | 'predict' | 'predictOnBatch', unknown>;
  m.call = o.call;
  m.predict = o.predict;
  m.predictOnBatch = o.predictOnBatch;
  originals.delete(model);
  plans.delete(model);
  return model;
}
