// The env checker over every game id, with its default and its other observation / action settings.
import { describe, expect, it } from 'vitest';
import { GAME_IDS, checkEnv, make } from '../../envs/index.js';

const VARIANTS: Record<string, Record<string, unknown>[]> = {
  'Catch-v0': [{}, { obsType: 'grid' }],
  'Pong-v0': [{}, { obsType: 'state', winningScore: 21 }],
};
const MINATAR_VARIANTS = [{}, { obsType: 'rgb', width: 42, height: 50 }, { fullActionSpace: true, stickyActionProb: 0, difficultyRamping: false }];

describe.each(GAME_IDS)('checkEnv(%s)', (id) => {
  it.each(VARIANTS[id] ?? MINATAR_VARIANTS)('passes with kwargs %j', (kwargs) => {
    const env = make(id, kwargs);
    const report = checkEnv(env, { steps: 80 });
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.skipped).toEqual([]);
  });
});
