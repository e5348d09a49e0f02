import type { Env } from '../../envs/core.js';
import { Discrete } from '../../envs/spaces/discrete.js';

const KEY_WORDS: Record<string, string> = {
  '': 'noop',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Space: 'fire',
};

function keyWord(code: string): string {
  return KEY_WORDS[code] ?? code.replace(/^Key|^Digit/, '').toLowerCase();
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

/**
 * Names for a Discrete env's actions: the env's own `actionNames` (or Gymnasium-style
 * `getActionMeanings()`) when it has them, else words from its key bindings (ArrowLeft → 'left',
 * the idle '' binding → 'noop'), else the action numbers. Null for other action spaces.
 */
export function actionNamesOf(env: Env<unknown, unknown>): string[] | null {
  const space = env.actionSpace;
  if (!(space instanceof Discrete)) return null;
  const inner = env.unwrapped as unknown as { actionNames?: unknown; getActionMeanings?: () => unknown };
  if (isStringArray(inner.actionNames) && inner.actionNames.length === space.n) return [...inner.actionNames];
  if (typeof inner.getActionMeanings === 'function') {
    const m = inner.getActionMeanings();
    if (isStringArray(m) && m.length === space.n) return [...m];
  }
  const names: (string | null)[] = new Array<string | null>(space.n).fill(null);
  const bindings = typeof env.keysToAction === 'function' ? env.keysToAction() : {};
  // Single keys first, so 'left' wins over 'left+right' for the same action.
  const chords = Object.keys(bindings).sort((a, b) => a.split('+').length - b.split('+').length);
  for (const chord of chords) {
    const a = bindings[chord];
    if (typeof a !== 'number' || !space.contains(a)) continue;
    const i = a - space.start;
    names[i] ??= chord.split('+').map(keyWord).join('+');
  }
  return names.map((n, i) => n ?? String(i + space.start));
}
