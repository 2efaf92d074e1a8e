/**
 * The kernel's bookkeeping, as xeus's core: a dispatch table keyed by msg_type, busy/idle around every
 * request, the execution count, history, comm bookkeeping and aborts after errors. It talks to the
 * interpreter only through InterpreterHost, so no interpreter path can skip `execute_input` or the count.
 */
import type { InterpreterHost } from "../interpreter/host.js";
import type { OutputEvent } from "../interpreter/protocol.js";
import { log } from "../common/log.js";
import { childOf, replyType, type Channel, type ContentOf, type Message, type MsgType, type Parent, type Session } from "../protocol/messages.js";
import { isKnownIncoming, ProtocolError, validateContent } from "../protocol/validate.js";
import type { HistoryStore } from "./history.js";
import { kernelInfo } from "./kernel-info.js";

export interface Transport {
  send(msg: Message): Promise<void>;
}

interface Handler {
  /** Blocking handlers wait their turn on the shell queue; the others answer at once, even mid-cell. */
  blocking: boolean;
  run(msg: Message): Promise<unknown>;
}

/** How many requests are remembered for late output (a timer printing after its cell finished). */
const PARENTS_KEPT = 512;

export class KernelCore {
  private executionCount = 0;
  private readonly queue: Array<{ msg: Message; aborted: boolean }> = [];
  private draining = false;
  private readonly parents = new Map<string, Parent>();
  private openComms: Record<string, { target_name: string }> = {};
  private pendingInput?: Parent;
  private readonly handlers: Partial<Record<MsgType, Handler>>;

  constructor(
    private readonly transport: Transport,
    private readonly interpreter: InterpreterHost,
    private readonly history: HistoryStore,
    private readonly session: Session,
    private readonly shutdown: (restart: boolean) => void,
  ) {
    const now = (run: (msg: Message) => Promise<unknown> | unknown): Handler => ({ blocking: false, run: async (m) => run(m) });
    const queued = (run: (msg: Message) => Promise<unknown>): Handler => ({ blocking: true, run });
    this.handlers = {
      kernel_info_request: now(() => kernelInfo()),
      comm_info_request: now((m) => this.commInfo(m as Message<"comm_info_request">)),
      history_request: now((m) => ({ status: "ok", history: this.history.query((m as Message<"history_request">).content) })),
      interrupt_request: now(async () => {
        await this.interpreter.interrupt();
        return { status: "ok" };
      }),
      shutdown_request: now((m) => ({ status: "ok", restart: Boolean((m as Message<"shutdown_request">).content.restart) })),
      execute_request: queued((m) => this.execute(m as Message<"execute_request">)),
      complete_request: queued(async (m) => {
        const { code, cursor_pos } = (m as Message<"complete_request">).content;
        return { status: "ok", ...(await this.interpreter.request("complete", m.header.msg_id, { code, cursor_pos })) };
      }),
      inspect_request: queued(async (m) => {
        const { code, cursor_pos, detail_level = 0 } = (m as Message<"inspect_request">).content;
        return { status: "ok", ...(await this.interpreter.request("inspect", m.header.msg_id, { code, cursor_pos, detail_level })) };
      }),
      is_complete_request: queued((m) => this.interpreter.request("is_complete", m.header.msg_id, { code: (m as Message<"is_complete_request">).content.code })),
      comm_open: queued((m) => this.commOpen(m as Message<"comm_open">)),
      comm_msg: queued(async (m) => {
        const { comm_id, data = {} } = (m as Message<"comm_msg">).content;
        const { delivered } = await this.interpreter.request("comm_msg", m.header.msg_id, { comm_id, data, buffers: m.buffers });
        if (!delivered) log("warn", `comm_msg for unknown comm ${comm_id}`);
      }),
      comm_close: queued(async (m) => {
        const { comm_id, data = {} } = (m as Message<"comm_close">).content;
        await this.interpreter.request("comm_close", m.header.msg_id, { comm_id, data });
      }),
    };
  }

  private remember(msg: Message): Parent {
    const parent = { header: msg.header, identities: msg.identities };
    this.parents.set(msg.header.msg_id, parent);
    if (this.parents.size > PARENTS_KEPT) this.parents.delete(this.parents.keys().next().value as string);
    return parent;
  }

  private publish<T extends MsgType>(
    parent: Parent | undefined,
    msgType: T,
    content: ContentOf[T],
    extra: { metadata?: Record<string, unknown>; buffers?: Uint8Array[] } = {},
  ): void {
    const msg = childOf(parent, msgType, content, this.session, "iopub", extra.metadata);
    msg.buffers = (extra.buffers ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    void this.transport.send(msg);
  }

  private reply(request: Message, content: unknown, channel: Channel): Promise<void> {
    return this.transport.send(childOf(this.remember(request), replyType(request.header.msg_type), content as never, this.session, channel));
  }

  /** Entry point for every authenticated message. */
  receive(msg: Message): void {
    if (msg.channel === "stdin") {
      if (msg.header.msg_type === "input_reply") {
        const value = (msg.content as { value?: unknown }).value;
        this.pendingInput = undefined;
        this.interpreter.answerInput(typeof value === "string" ? value : "");
      } else {
        log("warn", `stdin: unexpected ${msg.header.msg_type}`);
      }
      return;
    }
    const type = msg.header.msg_type;
    const handler = isKnownIncoming(type) ? this.handlers[type] : undefined;
    if (!handler) {
      void this.refuse(msg, new ProtocolError(`unknown message type ${JSON.stringify(type)} on ${msg.channel}`), "UnknownMessageType");
      return;
    }
    try {
      validateContent(type as MsgType, msg.content);
    } catch (e) {
      void this.refuse(msg, e as Error, "ProtocolError");
      return;
    }
    if (handler.blocking) {
      this.queue.push({ msg, aborted: false });
      void this.drain();
    } else {
      void this.handle(msg, handler);
    }
  }

  /** A request we cannot serve: logged, and answered with an error reply where the protocol has one. */
  private async refuse(msg: Message, error: Error, ename: string): Promise<void> {
    log("error", `${msg.channel}: ${error.message} (msg_id ${msg.header.msg_id})`);
    if (!msg.header.msg_type.endsWith("_request")) return;
    const parent = this.remember(msg);
    this.publish(parent, "status", { execution_state: "busy" });
    await this.reply(msg, { status: "error", ename, evalue: error.message, traceback: [`${ename}: ${error.message}`] }, msg.channel);
    this.publish(parent, "status", { execution_state: "idle" });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const { msg, aborted } = this.queue.shift()!;
        if (aborted) await this.abort(msg);
        else await this.handle(msg, this.handlers[msg.header.msg_type as MsgType]!);
      }
    } finally {
      this.draining = false;
    }
  }

  private async abort(msg: Message): Promise<void> {
    const parent = this.remember(msg);
    this.publish(parent, "status", { execution_state: "busy" });
    await this.reply(msg, { status: "aborted" }, msg.channel);
    this.publish(parent, "status", { execution_state: "idle" });
  }

  private async handle(msg: Message, handler: Handler): Promise<void> {
    const parent = this.remember(msg);
    this.publish(parent, "status", { execution_state: "busy" });
    try {
      const content = await handler.run(msg);
      if (msg.header.msg_type.endsWith("_request")) await this.reply(msg, content, msg.channel);
    } catch (e) {
      const error = e as Error;
      log("error", `${msg.header.msg_type}: ${error.stack ?? error.message}`);
      if (msg.header.msg_type.endsWith("_request")) {
        const count = msg.header.msg_type === "execute_request" ? { execution_count: this.executionCount } : {};
        await this.reply(msg, { status: "error", ...count, ename: error.name, evalue: error.message, traceback: [error.stack ?? error.message] }, msg.channel);
      }
    } finally {
      this.publish(parent, "status", { execution_state: "idle" });
    }
    if (msg.header.msg_type === "shutdown_request") this.shutdown(Boolean((msg.content as { restart?: boolean }).restart));
  }

  private async execute(msg: Message<"execute_request">): Promise<ContentOf["execute_reply"]> {
    const { code, silent = false, user_expressions = {}, allow_stdin = true, stop_on_error = true } = msg.content;
    const storeHistory = silent ? false : (msg.content.store_history ?? true);
    const parent = this.remember(msg);
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish(parent, "execute_input", { code, execution_count: count });
    const outcome = await this.interpreter.request("execute", msg.header.msg_id, { code, silent, storeHistory, allowStdin: allow_stdin, executionCount: count });
    this.answerPendingInput();
    if (outcome.status === "error") {
      this.publish(parent, "error", { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback });
      if (storeHistory) this.history.append(count, code);
      if (stop_on_error) this.abortQueuedExecutions();
      return { status: "error", execution_count: count, ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    }
    if (outcome.result && !silent) this.publish(parent, "execute_result", { execution_count: count, ...outcome.result });
    if (storeHistory) this.history.append(count, code, outcome.result?.data["text/plain"] as string | undefined);
    return { status: "ok", execution_count: count, user_expressions: await this.userExpressions(msg, user_expressions), payload: [] };
  }

  /** Each user expression is evaluated silently and reported as a bundle or an error, as ipykernel does. */
  private async userExpressions(msg: Message, expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const [name, expression] of Object.entries(expressions)) {
      const outcome = await this.interpreter.request("execute", msg.header.msg_id, {
        code: `(${expression})`,
        silent: false,
        storeHistory: false,
        allowStdin: false,
        executionCount: this.executionCount,
      });
      results[name] =
        outcome.status === "ok"
          ? { status: "ok", data: outcome.result?.data ?? { "text/plain": "undefined" }, metadata: outcome.result?.metadata ?? {} }
          : { status: "error", ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    }
    return results;
  }

  /** After an error, requests queued behind it are aborted, so a notebook's "run all" stops there. */
  private abortQueuedExecutions(): void {
    for (const entry of this.queue) {
      if (entry.msg.header.msg_type === "execute_request") entry.aborted = true;
    }
  }

  private answerPendingInput(): void {
    if (this.pendingInput) {
      this.pendingInput = undefined;
      this.interpreter.answerInput(undefined);
    }
  }

  private async commOpen(msg: Message<"comm_open">): Promise<void> {
    const { comm_id, target_name, data = {} } = msg.content;
    const { opened } = await this.interpreter.request("comm_open", msg.header.msg_id, { comm_id, target_name, data, buffers: msg.buffers });
    if (!opened) {
      // As ipykernel does: tell the front end at once that nobody is listening.
      log("warn", `comm_open for unknown target ${JSON.stringify(target_name)}`);
      this.publish(this.remember(msg), "comm_close", { comm_id, data: {} });
    }
  }

  private commInfo(msg: Message<"comm_info_request">): ContentOf["comm_info_reply"] {
    const target = msg.content.target_name;
    const comms = Object.fromEntries(Object.entries(this.openComms).filter(([, c]) => !target || c.target_name === target));
    return { status: "ok", comms };
  }

  // Events from the interpreter.

  output(event: OutputEvent): void {
    const parent = event.parent ? this.parents.get(event.parent) : undefined;
    this.publish(parent, event.msg_type as MsgType, event.content as never, { metadata: event.metadata, buffers: event.buffers });
  }

  inputRequest(parentId: string, prompt: string, password: boolean): void {
    const parent = this.parents.get(parentId);
    if (!parent) {
      this.interpreter.answerInput(undefined);
      return;
    }
    this.pendingInput = parent;
    void this.transport.send(childOf(parent, "input_request", { prompt, password }, this.session, "stdin"));
  }

  comms(open: Record<string, { target_name: string }>): void {
    this.openComms = open;
  }

  /** A decoding failure: unsigned or forged messages are only logged, never answered or run. */
  rejected(channel: Channel, error: Error): void {
    log(error.name === "SignatureError" ? "warn" : "error", error.message.startsWith(channel) ? error.message : `${channel}: ${error.message}`);
  }
}
