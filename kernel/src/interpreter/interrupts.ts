/**
 * Interrupts as the worker sees them. An interrupt that arrives while the worker's loop is free
 * rejects the race of the running cell; one that arrives while user code holds the loop is handled
 * by the host, which terminates that code through the inspector, after which this message arrives.
 */
export class InterruptedError extends Error {
  constructor() {
    super("execution was interrupted");
    this.name = "Interrupted";
  }
}

export class Interrupts {
  private waiters = new Set<(error: InterruptedError) => void>();

  /** Settles with `work`, or rejects as soon as an interrupt arrives. */
  race<T>(work: Promise<T>): Promise<T> {
    let reject!: (error: InterruptedError) => void;
    const interrupted = new Promise<never>((_, r) => (reject = r));
    this.waiters.add(reject);
    return Promise.race([work, interrupted]).finally(() => this.waiters.delete(reject));
  }

  interrupt(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const reject of waiters) reject(new InterruptedError());
  }
}
