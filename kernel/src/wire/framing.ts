/** Turns ZeroMQ multipart frames into messages and back: `[ids…, <IDS|MSG>, hmac, header, parent, metadata, content, buffers…]`. */
import type { Channel, Message } from "../protocol/messages.js";
import { ProtocolError, validateHeader } from "../protocol/validate.js";
import type { Signer } from "./signer.js";

const DELIMITER = Buffer.from("<IDS|MSG>");

export class SignatureError extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = "SignatureError";
  }
}

export function encode(msg: Message, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...msg.identities, DELIMITER, Buffer.from(signer.sign(parts)), ...parts, ...msg.buffers];
}

function parseJson(frame: Buffer, what: string): unknown {
  try {
    return JSON.parse(frame.toString("utf8"));
  } catch (e) {
    throw new ProtocolError(`${what}: invalid JSON (${(e as Error).message})`);
  }
}

/**
 * Decodes and authenticates one message. The signature is checked before any JSON is parsed, so a
 * forged message costs nothing but the HMAC. Content is validated later, per message type.
 */
export function decode(frames: Buffer[], signer: Signer, channel: Channel): Message {
  const delim = frames.findIndex((f) => f.equals(DELIMITER));
  if (delim < 0) throw new ProtocolError(`${channel}: no <IDS|MSG> delimiter among ${frames.length} frames`);
  if (frames.length < delim + 6) throw new ProtocolError(`${channel}: expected at least 5 frames after the delimiter, got ${frames.length - delim - 1}`);
  const identities = frames.slice(0, delim);
  const signature = frames[delim + 1].toString("latin1");
  const parts = frames.slice(delim + 2, delim + 6);
  if (!signer.verify(signature, parts)) {
    throw new SignatureError(signature === "" ? `${channel}: unsigned message dropped` : `${channel}: message with an invalid signature dropped`);
  }
  const header = parseJson(parts[0], "header");
  validateHeader(header, "header");
  const parent = parseJson(parts[1], "parent_header");
  const metadata = parseJson(parts[2], "metadata");
  const content = parseJson(parts[3], `${header.msg_type}.content`);
  return {
    header: header as Message["header"],
    parent_header: (parent ?? {}) as Message["parent_header"],
    metadata: (metadata ?? {}) as Record<string, unknown>,
    content: content as Message["content"],
    buffers: frames.slice(delim + 6),
    identities,
    channel,
  };
}
