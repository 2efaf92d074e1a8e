/**
 * Checks of everything that arrives from a client: the protocol is a trust boundary, so a malformed
 * message is described precisely rather than half-handled.
 */
import type { ContentOf, Header, MsgType } from "./messages.js";

export class ProtocolError extends Error {
  readonly code = "EPROTOCOL";
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

type FieldKind = "string" | "number" | "boolean" | "object";
type Schema = Record<string, { kind: FieldKind; optional?: boolean }>;

const req = (kind: FieldKind) => ({ kind });
const opt = (kind: FieldKind) => ({ kind, optional: true });

/** Required and optional content fields of each request a client may send. */
const REQUEST_SCHEMAS: Partial<Record<MsgType, Schema>> = {
  execute_request: {
    code: req("string"),
    silent: opt("boolean"),
    store_history: opt("boolean"),
    user_expressions: opt("object"),
    allow_stdin: opt("boolean"),
    stop_on_error: opt("boolean"),
  },
  complete_request: { code: req("string"), cursor_pos: req("number") },
  inspect_request: { code: req("string"), cursor_pos: req("number"), detail_level: opt("number") },
  is_complete_request: { code: req("string") },
  history_request: {
    hist_access_type: req("string"),
    output: opt("boolean"),
    raw: opt("boolean"),
    session: opt("number"),
    start: opt("number"),
    stop: opt("number"),
    n: opt("number"),
    pattern: opt("string"),
    unique: opt("boolean"),
  },
  kernel_info_request: {},
  comm_info_request: { target_name: opt("string") },
  shutdown_request: { restart: opt("boolean") },
  interrupt_request: {},
  comm_open: { comm_id: req("string"), target_name: req("string"), data: opt("object") },
  comm_msg: { comm_id: req("string"), data: opt("object") },
  comm_close: { comm_id: req("string"), data: opt("object") },
  input_reply: { value: req("string") },
};

export function isKnownIncoming(msgType: string): msgType is MsgType {
  return Object.hasOwn(REQUEST_SCHEMAS, msgType);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function validateHeader(value: unknown, where: string): asserts value is Header {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError(`${where}: expected an object, got ${kindOf(value)}`);
  }
  const h = value as Record<string, unknown>;
  for (const field of ["msg_id", "msg_type"] as const) {
    if (typeof h[field] !== "string" || h[field] === "") {
      throw new ProtocolError(`${where}.${field}: expected a non-empty string, got ${kindOf(h[field])}`);
    }
  }
}

export function validateContent<T extends MsgType>(msgType: T, content: unknown): asserts content is ContentOf[T] {
  if (typeof content !== "object" || content === null || Array.isArray(content)) {
    throw new ProtocolError(`${msgType}.content: expected an object, got ${kindOf(content)}`);
  }
  const schema = REQUEST_SCHEMAS[msgType];
  if (!schema) return;
  const c = content as Record<string, unknown>;
  for (const [field, { kind, optional }] of Object.entries(schema)) {
    const v = c[field];
    if (v === undefined) {
      if (!optional) throw new ProtocolError(`${msgType}.content.${field}: missing`);
      continue;
    }
    const actual = kindOf(v);
    if (actual !== kind) throw new ProtocolError(`${msgType}.content.${field}: expected ${kind}, got ${actual}`);
  }
}
