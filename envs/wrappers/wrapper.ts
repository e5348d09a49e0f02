import type { Env, EnvMetadata, EnvSpec, ResetOptions, ResetResult, StepResult } from '../core.js';
import type { Frame, Scene } from '../render/scene.js';
import type { Space } from '../spaces/space.js';

/**
 * Wraps an env and forwards everything; subclasses override what they change (Gymnasium's
 * `Wrapper`). Spaces default to the inner env's; override the getters to change them.
 */
export class Wrapper<O = unknown, A = unknown, IO = O, IA = A> implements Env<O, A> {
  constructor(readonly env: Env<IO, IA>) {}

  get observationSpace(): Space<O> {
    return this.env.observationSpace as unknown as Space<O>;
  }

  get actionSpace(): Space<A> {
    return this.env.actionSpace as unknown as Space<A>;
  }

  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  get spec(): EnvSpec | null | undefined {
    return this.env.spec;
  }

  set spec(s: EnvSpec | null | undefined) {
    this.env.spec = s;
  }

  reset(opts?: ResetOptions): ResetResult<O> {
    return this.env.reset(opts) as unknown as ResetResult<O>;
  }

  step(action: A): StepResult<O> {
    return this.env.step(action as unknown as IA) as unknown as StepResult<O>;
  }

  render(): Frame | null {
    return this.env.render();
  }

  close(): void {
    this.env.close();
  }

  get unwrapped(): Env {
    return this.env.unwrapped;
  }

  scene(): Scene {
    if (!this.env.scene) throw new Error(`${this.env.spec?.id ?? this.env.constructor.name} has no scene()`);
    return this.env.scene();
  }

  keysToAction(): Record<string, A> {
    return (this.env.keysToAction?.() ?? {}) as unknown as Record<string, A>;
  }

  /** Finds the nearest wrapper of a class in the stack (or the env itself), if any. */
  find<W>(cls: abstract new (...args: never[]) => W): W | null {
    let e: unknown = this;
    while (e) {
      if (e instanceof cls) return e as W;
      e = e instanceof Wrapper ? e.env : null;
    }
    return null;
  }

  /** Gymnasium's form, e.g. `<EnvGuard<TimeLimit<CartPoleEnv<CartPole-v1>>>>`. */
  toString(): string {
    return `<${this.constructor.name}${this.env instanceof Wrapper ? String(this.env) : describeEnv(this.env)}>`;
  }
}

function describeEnv(env: Env<unknown, unknown>): string {
  const name = (env as { constructor?: { name?: string } }).constructor?.name || 'Env';
  const id = env.spec?.id;
  return id ? `<${name}<${id}>>` : `<${name}>`;
}
