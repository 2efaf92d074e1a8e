/**
 * Interrupts as the worker sees them. An interrupt that arrives while the worker's loop is free
 * rejects the race of the running cell; one that arrives while user code holds the loop is handled
 * by the host, which terminates that code through the inspector, after which this message arrives.
 * Either way the cell's AbortSignal is aborted, so work still in flight (a read, a child process)
 * stops instead of running on after the cell has been given up.
 */
export class InterruptedError extends Error {
  constructor() {
    super("execution was interrupted");
    this.name = "Interrupted";
  }
}

export class Interrupts {
  private waiters = new Set<(error: InterruptedError) => void>();

  /** Settles with `work`, or rejects as soon as an interrupt arrives, aborting `controller`. */
  race<T>(work: Promise<T>, controller?: AbortController): Promise<T> {
    let reject!: (error: InterruptedError) => void;
    const interrupted = new Promise<never>(
      (_, r) =>
        (reject = (error) => {
          controller?.abort(error);
          r(error);
        }),
    );
    this.waiters.add(reject);
    return Promise.race([work, interrupted]).finally(() => this.waiters.delete(reject));
  }

  interrupt(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const reject of waiters) reject(new InterruptedError());
  }
}
