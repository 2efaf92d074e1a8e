/**
 * Which request the running code belongs to. It travels with the code through timers and promises
 * (AsyncLocalStorage), so output printed after a cell's reply still reaches that cell.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestContext {
  /** msg_id of the request: the parent of every output. */
  parent: string;
  allowStdin: boolean;
  /** Aborted when the cell is interrupted, so that long library work (smoothy's reads) stops too. */
  signal?: AbortSignal;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

let latest: RequestContext | undefined;

/** Output with no context of its own (a native callback, say) goes to the latest request, as in ipykernel. */
export function currentContext(): RequestContext | undefined {
  return requestContext.getStore() ?? latest;
}

export function runInContext<T>(context: RequestContext, fn: () => T): T {
  latest = context;
  return requestContext.run(context, fn);
}
