/**
 * The Jupyter messaging protocol 5.3 as types: one line per message, in the spec's own snake_case.
 * https://jupyter-client.readthedocs.io/en/stable/messaging.html
 */
import { randomUUID } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";

export type Channel = "shell" | "control" | "iopub" | "stdin";

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export type MimeBundle = Record<string, unknown>;

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}
type Status<T> = ({ status: "ok" } & T) | ({ status: "error" } & ErrorContent) | { status: "aborted" };

export interface HistoryEntryRequest {
  output: boolean;
  raw: boolean;
  hist_access_type: "range" | "tail" | "search";
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

export interface LanguageInfo {
  name: string;
  version: string;
  mimetype: string;
  file_extension: string;
  codemirror_mode: string | Record<string, unknown>;
  pygments_lexer: string;
  nbconvert_exporter?: string;
}

/** Content of every message type this kernel sends or receives, keyed by msg_type. */
export interface ContentOf {
  execute_request: { code: string; silent?: boolean; store_history?: boolean; user_expressions?: Record<string, string>; allow_stdin?: boolean; stop_on_error?: boolean };
  execute_reply: Status<{ execution_count: number; user_expressions?: Record<string, unknown>; payload?: unknown[] }> & { execution_count?: number };
  complete_request: { code: string; cursor_pos: number };
  complete_reply: Status<{ matches: string[]; cursor_start: number; cursor_end: number; metadata: Record<string, unknown> }>;
  inspect_request: { code: string; cursor_pos: number; detail_level?: 0 | 1 };
  inspect_reply: Status<{ found: boolean; data: MimeBundle; metadata: Record<string, unknown> }>;
  is_complete_request: { code: string };
  is_complete_reply: { status: "complete" | "incomplete" | "invalid" | "unknown"; indent?: string };
  history_request: HistoryEntryRequest;
  history_reply: Status<{ history: Array<[number, number, string | [string, string | null]]> }>;
  kernel_info_request: Record<string, never>;
  kernel_info_reply: Status<{
    protocol_version: string;
    implementation: string;
    implementation_version: string;
    language_info: LanguageInfo;
    banner: string;
    help_links: Array<{ text: string; url: string }>;
    debugger?: boolean;
  }>;
  comm_info_request: { target_name?: string };
  comm_info_reply: Status<{ comms: Record<string, { target_name: string }> }>;
  shutdown_request: { restart: boolean };
  shutdown_reply: Status<{ restart: boolean }>;
  interrupt_request: Record<string, never>;
  interrupt_reply: Status<Record<string, never>>;
  comm_open: { comm_id: string; target_name: string; data: Record<string, unknown>; target_module?: string };
  comm_msg: { comm_id: string; data: Record<string, unknown> };
  comm_close: { comm_id: string; data: Record<string, unknown> };
  input_request: { prompt: string; password: boolean };
  input_reply: { value: string };
  status: { execution_state: "busy" | "idle" | "starting" };
  stream: { name: "stdout" | "stderr"; text: string };
  display_data: { data: MimeBundle; metadata: Record<string, unknown>; transient?: { display_id?: string } };
  update_display_data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id: string } };
  execute_input: { code: string; execution_count: number };
  execute_result: { execution_count: number; data: MimeBundle; metadata: Record<string, unknown> };
  error: ErrorContent;
  clear_output: { wait: boolean };
}

export type MsgType = keyof ContentOf;

export interface Message<T extends MsgType = MsgType> {
  header: Header & { msg_type: T };
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: ContentOf[T];
  buffers: Buffer[];
  /** ZeroMQ routing identities, kept so replies reach the client that asked. */
  identities: Buffer[];
  channel: Channel;
}

/** The parent a message answers or belongs to: what a reply or an output needs from its request. */
export interface Parent {
  header: Header;
  identities: Buffer[];
}

export interface Session {
  id: string;
  username: string;
}

export function makeHeader<T extends MsgType>(msgType: T, session: Session): Header & { msg_type: T } {
  return {
    msg_id: randomUUID(),
    msg_type: msgType,
    session: session.id,
    username: session.username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/** A message that answers or belongs to `parent` (Deno's `as_child_of`). */
export function childOf<T extends MsgType>(
  parent: Parent | undefined,
  msgType: T,
  content: ContentOf[T],
  session: Session,
  channel: Channel,
  metadata: Record<string, unknown> = {},
): Message<T> {
  return {
    header: makeHeader(msgType, session),
    parent_header: parent ? parent.header : {},
    metadata,
    content,
    buffers: [],
    identities: channel === "iopub" ? [] : (parent?.identities ?? []),
    channel,
  };
}

/** The reply type of a request type (`execute_request` → `execute_reply`). */
export function replyType(requestType: string): MsgType {
  return requestType.replace(/_request$/, "_reply") as MsgType;
}
