// Human play: the keys a page holds down, and the env action they mean (env.keysToAction()).

/** The KeyboardEvent.code values that appear in an env's bindings (alone or in chords). */
export function boundKeys(bindings: Readonly<Record<string, unknown>>): string[] {
  const codes = new Set<string>();
  for (const chord of Object.keys(bindings)) for (const code of chord.split('+')) if (code) codes.add(code);
  return [...codes].sort();
}

/**
 * The keys held now, in the order they were pressed. Only keys the env binds are kept, so the
 * set is bounded by the bindings.
 */
export class HeldKeys {
  private readonly held: string[] = [];
  private readonly bound: ReadonlySet<string>;

  constructor(bindings: Readonly<Record<string, unknown>>) {
    this.bound = new Set(boundKeys(bindings));
  }

  /** Returns false for a key the env does not bind (ignored). */
  down(code: string): boolean {
    if (!this.bound.has(code)) return false;
    if (!this.held.includes(code)) this.held.push(code);
    return true;
  }

  up(code: string): boolean {
    const i = this.held.indexOf(code);
    if (i >= 0) this.held.splice(i, 1);
    return i >= 0;
  }

  clear(): void {
    this.held.length = 0;
  }

  get codes(): readonly string[] {
    return this.held;
  }
}

/**
 * The action for the held keys, by this rule:
 * 1. the chord of all held keys (sorted, joined by '+') when the env binds it;
 * 2. else the most recently pressed held key that is bound on its own;
 * 3. else (no key, or none bound) the env's '' binding, its idle action;
 * 4. and when the env binds no '' (CartPole, FrozenLake: every action does something), null:
 *    the env does not step until a key is held, so time waits for the player.
 */
export function actionForKeys<A>(bindings: Readonly<Record<string, A>>, held: readonly string[]): A | null {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(bindings, k);
  if (held.length > 0) {
    const chord = [...held].sort().join('+');
    if (has(chord)) return bindings[chord]!;
    for (let i = held.length - 1; i >= 0; i--) if (has(held[i]!)) return bindings[held[i]!]!;
  }
  return has('') ? bindings['']! : null;
}
