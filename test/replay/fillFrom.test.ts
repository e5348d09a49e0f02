import { from, Subject, throwError, concat } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { fillFrom, ReplayBuffer, type StepLike } from '../../replay/index.js';

/** A step as a richer stream would carry it: extra fields are fine. */
function envStep(t: number, envIndex = 0): StepLike & { info: Record<string, unknown>; episodeStep: number } {
  return {
    observation: [t, envIndex],
    action: t % 2,
    reward: t,
    terminated: false,
    truncated: false,
    nextObservation: [t + 1, envIndex],
    envIndex,
    info: {},
    episodeStep: t,
  };
}

describe('fillFrom', () => {
  test('adds every step of an Observable and completes', () => {
    const buffer = new ReplayBuffer({ capacity: 40, observationShape: [2], seed: 1 });
    let completed = false;
    const sub = buffer.fillFrom(from([0, 1, 2, 3, 4].map((t) => envStep(t))), { onComplete: () => (completed = true) });
    expect(completed).toBe(true);
    expect(sub.closed).toBe(true);
    expect(buffer.size).toBe(5);
    const batch = buffer.sample(64);
    for (let b = 0; b < 64; b++) expect(batch.rewards[b]).toBe(batch.observations[2 * b]);
    expect(new Set(batch.rewards)).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  test('routes vector-env steps by envIndex and stops on unsubscribe', () => {
    const buffer = new ReplayBuffer({ capacity: 40, observationShape: [2], numEnvs: 2, seed: 2 });
    const steps$ = new Subject<StepLike>();
    const sub = fillFrom(buffer, steps$);
    for (let t = 0; t < 3; t++) {
      steps$.next(envStep(t, 0));
      steps$.next(envStep(t, 1));
    }
    sub.unsubscribe();
    steps$.next(envStep(3, 0));
    expect(buffer.size).toBe(6);
    const batch = buffer.sample(64);
    for (let b = 0; b < 64; b++) {
      // Each env's stream stays whole: next observations continue their own env.
      expect(batch.nextObservations[2 * b + 1]).toBe(batch.observations[2 * b + 1]);
      expect(batch.nextObservations[2 * b]).toBe(batch.observations[2 * b]! + 1);
    }
  });

  test('a bad step or a stream error closes the subscription and reaches onError', () => {
    const buffer = new ReplayBuffer({ capacity: 40, observationShape: [2], seed: 3 });
    const errors: unknown[] = [];
    const bad = { ...envStep(1), observation: [1, 2, 3] };
    const sub = buffer.fillFrom(from([envStep(0), bad, envStep(2)]), { onError: (e) => errors.push(e) });
    expect(sub.closed).toBe(true);
    expect(errors.length).toBe(1);
    expect(String(errors[0])).toMatch(/observation: expected 2 values/);
    expect(buffer.size).toBe(1);

    const streamErrors: unknown[] = [];
    buffer.fillFrom(concat(from([envStep(1)]), throwError(() => new Error('env crashed'))), { onError: (e) => streamErrors.push(e) });
    expect(String(streamErrors[0])).toMatch(/env crashed/);
    expect(buffer.size).toBe(2);
  });
});
