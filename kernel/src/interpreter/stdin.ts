/**
 * `prompt()` and `input()` for cells, over the protocol's stdin channel. The worker blocks on shared
 * memory until the host writes the answer, so `prompt()` can be synchronous as in a browser or Deno.
 */
import { currentContext } from "./context.js";
import { InterruptedError } from "./interrupts.js";
import type { Outputs } from "./output.js";
import { SHARED } from "./protocol.js";

export class StdinNotAllowedError extends Error {
  constructor() {
    super("this client does not accept input requests (allow_stdin is false)");
    this.name = "StdinNotImplementedError";
  }
}

export class Stdin {
  constructor(
    private readonly state: Int32Array,
    private readonly buffer: Uint8Array,
    private readonly outputs: Outputs,
  ) {}

  prompt(message = "", options: { password?: boolean } = {}): string {
    const context = currentContext();
    if (!context || !context.allowStdin) throw new StdinNotAllowedError();
    Atomics.store(this.state, SHARED.inputState, 0);
    this.outputs.post({ type: "input_request", parent: context.parent, prompt: String(message), password: Boolean(options.password) });
    while (Atomics.load(this.state, SHARED.inputState) === 0) Atomics.wait(this.state, SHARED.inputState, 0, 1000);
    if (Atomics.load(this.state, SHARED.inputState) === 2) throw new InterruptedError();
    const length = Atomics.load(this.state, SHARED.inputLength);
    return Buffer.from(this.buffer.slice(0, length)).toString("utf8");
  }
}
