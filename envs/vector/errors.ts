/** A failure of one or more sub-envs (an exception, a dead worker, a timeout), naming their indices. */
export class VectorEnvError extends Error {
  override readonly name = 'VectorEnvError';

  constructor(
    message: string,
    /** Indices of the sub-envs concerned, ascending. */
    readonly envIndices: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The first sub-env concerned. */
  get envIndex(): number {
    return this.envIndices[0] ?? -1;
  }
}

/** "env 3" or "envs 2, 3" for messages. */
export function describeEnvs(indices: readonly number[]): string {
  return indices.length === 1 ? `env ${indices[0]}` : `envs ${indices.join(', ')}`;
}

/** One error for several (ordered by env index), or the error itself when alone. */
export function combineErrors(errors: VectorEnvError[]): VectorEnvError {
  if (errors.length === 1) return errors[0]!;
  const sorted = [...errors].sort((a, b) => a.envIndex - b.envIndex);
  const indices = [...new Set(sorted.flatMap((x) => x.envIndices))].sort((a, b) => a - b);
  return new VectorEnvError(sorted.map((x) => x.message).join('; '), indices, { cause: sorted[0] });
}
