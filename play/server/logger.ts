/** Where the viewer server reports what it ignores or what went wrong. */
export interface ViewerLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Writes to stderr, so a command's stdout stays its own. */
export const stderrLogger: ViewerLogger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
};

export const silentLogger: ViewerLogger = { info: () => {}, warn: () => {} };

/**
 * Logs at most `limit` messages per key, then one note that further ones are only counted, so a
 * page flooding bad messages cannot flood the log.
 */
export class LimitedLog {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly logger: ViewerLogger,
    private readonly limit: number = 10,
    private readonly maxKeys: number = 1000,
  ) {}

  warn(key: string, message: string): void {
    const n = (this.counts.get(key) ?? 0) + 1;
    if (this.counts.size < this.maxKeys || this.counts.has(key)) this.counts.set(key, n);
    if (n <= this.limit) this.logger.warn(message);
    else if (n === this.limit + 1) this.logger.warn(`${message} (further messages like this from ${key} are counted, not logged)`);
  }

  forget(key: string): void {
    this.counts.delete(key);
  }
}
