/** Runs cells: check the types, transpile, run in the global scope, and report the value or the error. */
import { setImmediate } from "node:timers";
import vm from "node:vm";
import type { CellProgram } from "./cell-program.js";
import { runInContext, type RequestContext } from "./context.js";
import { CellScripts, typeErrorReport } from "./errors.js";
import { InterruptedError, type Interrupts } from "./interrupts.js";
import { bundleOf } from "./mime.js";
import { PHASE, type ExecuteOrder, type ExecuteOutcome } from "./protocol.js";

export interface ExecutorSettings {
  /** Kernel-wide: check types before running (a cell opts out with `// @ts-nocheck`). */
  typeCheck: boolean;
}

export class Executor {
  private serial = 0;
  readonly scripts = new CellScripts();

  constructor(
    private readonly program: () => CellProgram,
    private readonly interrupts: Interrupts,
    private readonly setPhase: (phase: number) => void,
    private readonly interruptRequests: () => number,
    readonly settings: ExecutorSettings,
  ) {}

  async execute(order: ExecuteOrder, context: RequestContext): Promise<ExecuteOutcome> {
    const label = order.storeHistory ? `In[${order.executionCount}]` : "<silent>";
    const fileName = `jovial-cell-${++this.serial}.js`;
    const interruptsAtStart = this.interruptRequests();
    const controller = new AbortController();
    context = { ...context, signal: controller.signal };
    try {
      this.setPhase(PHASE.checking);
      const program = this.program();
      const { diagnostics } = program.check(order.code, { types: this.settings.typeCheck });
      const errors = diagnostics.filter((d) => d.category === "error");
      if (errors.length > 0) return { status: "error", ...typeErrorReport(label, order.code, errors) };
      const compiled = program.compile();
      this.scripts.register(fileName, label, compiled.sourceMap);
      const script = new vm.Script(compiled.code, { filename: fileName });
      program.commit(order.code, compiled.dts);
      const box = await this.userTask(context, controller, interruptsAtStart, () => script.runInThisContext() as Promise<{ value?: unknown } | undefined>);
      if (order.silent || !box || box.value === undefined) return { status: "ok" };
      // A value's display hook is user code too: it runs as a user task, interruptible the same way.
      return { status: "ok", result: await this.userTask(context, controller, interruptsAtStart, () => bundleOf(box.value)) };
    } catch (e) {
      return { status: "error", ...this.scripts.report(e) };
    } finally {
      this.setPhase(PHASE.idle);
    }
  }

  /**
   * Runs user code in a task of its own, raced against interrupts. Only while it runs is the phase
   * "running", the one in which the host may terminate code that holds the loop; the await here was
   * set up in another task, so termination cannot take this handler, and its reply, with it.
   */
  private userTask<T>(context: RequestContext, controller: AbortController, interruptsAtStart: number, work: () => Promise<T>): Promise<T> {
    const run = new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        // An interrupt that came while the cell was being checked stops it before it starts.
        if (this.interruptRequests() !== interruptsAtStart) {
          const error = new InterruptedError();
          controller.abort(error);
          return reject(error);
        }
        this.setPhase(PHASE.running);
        try {
          runInContext(context, work).then(resolve, reject);
        } catch (e) {
          reject(e);
        }
      });
    });
    return this.interrupts.race(run, controller).finally(() => this.setPhase(PHASE.checking));
  }
}
