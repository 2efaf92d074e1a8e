/**
 * The messages between the kernel's socket thread (the host) and the interpreter's worker thread.
 * Plain data only: they cross a MessagePort. `parent` is the msg_id of the request an output belongs to.
 */
import type { MimeBundle } from "../protocol/messages.js";

export interface ExecuteOrder {
  code: string;
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  executionCount: number;
}

export type ExecuteOutcome =
  | { status: "ok"; result?: { data: MimeBundle; metadata: Record<string, unknown> } }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export interface CompleteOutcome {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}
export interface InspectOutcome {
  found: boolean;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface IsCompleteOutcome {
  status: "complete" | "incomplete" | "invalid";
  indent?: string;
}

export interface RequestMap {
  execute: [ExecuteOrder, ExecuteOutcome];
  complete: [{ code: string; cursor_pos: number }, CompleteOutcome];
  inspect: [{ code: string; cursor_pos: number; detail_level: number }, InspectOutcome];
  is_complete: [{ code: string }, IsCompleteOutcome];
  comm_open: [{ comm_id: string; target_name: string; data: Record<string, unknown>; buffers: Uint8Array[] }, { opened: boolean }];
  comm_msg: [{ comm_id: string; data: Record<string, unknown>; buffers: Uint8Array[] }, { delivered: boolean }];
  comm_close: [{ comm_id: string; data: Record<string, unknown> }, { closed: boolean }];
}
export type RequestKind = keyof RequestMap;

export type ToWorker = { type: "request"; id: number; kind: RequestKind; parent: string; body: unknown } | { type: "interrupt"; seq: number };

/** An iopub message for the host to sign and publish, as the worker composed it. */
export interface OutputEvent {
  type: "output";
  parent: string | undefined;
  msg_type: "stream" | "display_data" | "update_display_data" | "clear_output" | "comm_open" | "comm_msg" | "comm_close";
  content: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  buffers?: Uint8Array[];
}

export type FromWorker =
  | { type: "ready" }
  | { type: "reply"; id: number; ok: true; body: unknown }
  | { type: "reply"; id: number; ok: false; error: string }
  | OutputEvent
  | { type: "input_request"; parent: string; prompt: string; password: boolean }
  | { type: "comms"; open: Record<string, { target_name: string }> };

/** Layout of the shared state between the threads (an Int32Array over a SharedArrayBuffer). */
export const SHARED = {
  /** What the worker is doing: one of PHASE. */
  phase: 0,
  /** The last interrupt the worker has acted on (the host counts interrupts up). */
  interruptAck: 1,
  /** stdin hand-off: 0 waiting, 1 answered, 2 interrupted. */
  inputState: 2,
  /** Byte length of the answer in the input buffer. */
  inputLength: 3,
  /** The last interrupt the host has asked for, readable even while the worker's loop is busy. */
  interruptRequest: 4,
  size: 5,
} as const;

export const PHASE = { idle: 0, checking: 1, running: 2 } as const;

/** The largest answer to `input()` the worker can receive. */
export const INPUT_BYTES = 1 << 20;
