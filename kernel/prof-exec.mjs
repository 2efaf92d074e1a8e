import { CellProgram } from "./dist/interpreter/cell-program.js";
import { Executor } from "./dist/interpreter/executor.js";
import { Interrupts } from "./dist/interpreter/interrupts.js";
import { transpileCell } from "./dist/interpreter/transpile.js";
globalThis.__jovial = { import: (s) => import(s) };
const program = new CellProgram("/tmp");
program.warmUp();
const ex = new Executor(() => program, new Interrupts(), () => {}, () => 0, { typeCheck: true });
const t = { check: 0, commit: 0, transpile: 0, total: 0 };
const N = 200;
for (let i = 0; i < N; i++) {
  const code = `const v${i} = ${i};`;
  let s = performance.now(); program.check(code); t.check += performance.now() - s;
  s = performance.now(); transpileCell(code, "x.js"); t.transpile += performance.now() - s;
  s = performance.now(); program.commit(code); t.commit += performance.now() - s;
  s = performance.now(); await ex.execute({ code, silent: false, storeHistory: true, allowStdin: false, executionCount: i }, { parent: "p", allowStdin: false }); t.total += performance.now() - s;
}
for (const k in t) t[k] = (t[k] / N).toFixed(1);
console.log(t, "heap", (process.memoryUsage().heapUsed / 1e6).toFixed(0), "rss", (process.memoryUsage().rss / 1e6).toFixed(0));
global.gc?.(); console.log("after gc heap", (process.memoryUsage().heapUsed / 1e6).toFixed(0), "rss", (process.memoryUsage().rss / 1e6).toFixed(0));
