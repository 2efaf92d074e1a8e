/**
 * Terminating user code without killing the worker. `Runtime.terminateExecution` unwinds every
 * JavaScript frame, including Node's own bookkeeping of async contexts (AsyncLocalStorage's promise
 * hooks, the timers' before/after): left as it is, Node then aborts the process on a corrupted async
 * id stack. So just before terminating, the host has the worker clear that stack (from inside the
 * spinning code, through the inspector), which is the state Node expects once the frames are gone.
 */
const KEY = Symbol.for("jovial.resetAsyncStack");

export const RESET_EXPRESSION = `globalThis[Symbol.for("jovial.resetAsyncStack")]?.()`;

interface AsyncWrapBinding {
  clearAsyncIdStack(): void;
  execution_async_resources?: unknown[];
}

export function installAsyncStackReset(): void {
  const proc = process as unknown as { binding?(name: string): unknown; noDeprecation?: boolean };
  let binding: AsyncWrapBinding | undefined;
  const quiet = proc.noDeprecation;
  try {
    proc.noDeprecation = true; // process.binding is deprecated (DEP0111) but still the only way in
    binding = proc.binding?.("async_wrap") as AsyncWrapBinding | undefined;
  } catch {
    binding = undefined;
  } finally {
    proc.noDeprecation = quiet;
  }
  if (!binding || typeof binding.clearAsyncIdStack !== "function") return;
  Object.defineProperty(globalThis, KEY, {
    value: () => {
      binding!.clearAsyncIdStack();
      if (Array.isArray(binding!.execution_async_resources)) binding!.execution_async_resources.length = 0;
    },
    enumerable: false,
  });
}
