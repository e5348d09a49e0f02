/** One check of `checkEnv`: its name and, when it failed, why (a readable sentence). */
export interface CheckOutcome {
  check: CheckName;
  passed: boolean;
  /** What was checked, or what went wrong. */
  message: string;
}

export type CheckName =
  | 'observation-space'
  | 'action-space'
  | 'metadata'
  | 'reset-result'
  | 'reset-observation'
  | 'reset-determinism'
  | 'unseeded-reset'
  | 'step-result'
  | 'step-observation'
  | 'trajectory-determinism'
  | 'observation-aliasing'
  | 'render';

export interface EnvCheckReport {
  /** The env's id, or its class name. */
  env: string;
  /** Every check that ran, passed or not, in order. */
  checks: CheckOutcome[];
  /** Checks that could not run, and why. */
  skipped: { check: CheckName; reason: string }[];
  /** Things worth knowing that are not failures (e.g. render() returned null). */
  warnings: string[];
  /** Steps taken in each of the two seeded runs. */
  steps: number;
}

/** Thrown by `checkEnv` when any check failed; the message lists every failure. */
export class EnvCheckError extends Error {
  readonly failures: CheckOutcome[];

  constructor(readonly report: EnvCheckReport) {
    const failures = report.checks.filter((c) => !c.passed);
    super(
      `${report.env} failed ${failures.length} env check${failures.length === 1 ? '' : 's'}:\n${failures
        .map((f) => `  - [${f.check}] ${f.message}`)
        .join('\n')}`,
    );
    this.name = 'EnvCheckError';
    this.failures = failures;
  }
}
