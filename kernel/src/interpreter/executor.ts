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
    try {
      this.setPhase(PHASE.checking);
      const program = this.program();
      const { diagnostics } = program.check(order.code, { types: this.settings.typeCheck });
      const errors = diagnostics.filter((d) => d.category === "error");
      if (errors.length > 0) return { status: "error", ...typeErrorReport(label, order.code, errors) };
      const compiled = program.compile();
      this.scripts.register(fileName, label, compiled.sourceMap);
      const script = new vm.Script(compiled.code, { filename: fileName });
      this.setPhase(PHASE.running);
      program.commit(order.code, compiled.dts);
      // The cell starts in a task of its own, so that if the host has to terminate it, the await
      // below, which was set up before, is not terminated with it.
      const run = new Promise<{ value?: unknown } | undefined>((resolve, reject) => {
        setImmediate(() => {
          // An interrupt that came while the cell was being checked stops it before it starts.
          if (this.interruptRequests() !== interruptsAtStart) return reject(new InterruptedError());
          try {
            runInContext(context, () => (script.runInThisContext() as Promise<{ value?: unknown } | undefined>).then(resolve, reject));
          } catch (e) {
            reject(e);
          }
        });
      });
      const box = await this.interrupts.race(run);
      if (order.silent || !box || box.value === undefined) return { status: "ok" };
      return { status: "ok", result: await runInContext(context, () => bundleOf(box.value)) };
    } catch (e) {
      return { status: "error", ...this.scripts.report(e) };
    } finally {
      this.setPhase(PHASE.idle);
    }
  }
}
