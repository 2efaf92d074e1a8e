/**
 * The five ZeroMQ sockets of a kernel. Owns framing and signatures; knows nothing of what messages mean.
 */
import * as zmq from "zeromq";
import type { Channel, Message } from "../protocol/messages.js";
import { log } from "../common/log.js";
import { endpoint, type ConnectionInfo } from "./connection.js";
import { decode, encode } from "./framing.js";
import { createSigner, type Signer } from "./signer.js";

const SUBSCRIBE_WAIT_MS = 2000;

export type MessageHandler = (msg: Message) => void;
/** Called when a message cannot be decoded; `identities` lets the caller answer the client if it wants. */
export type ErrorHandler = (channel: Channel, error: Error, frames: Buffer[]) => void;

/** Serialises sends: a zeromq v6 socket refuses a send while another is in flight. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: zmq.Writable & zmq.Socket,
    private readonly name: string,
  ) {}
  /** Queues frames, sent after everything queued before and after `after` (if given) settles. */
  push(frames: Buffer[], after?: Promise<void>): Promise<void> {
    this.tail = this.tail
      .then(() => (after ? after.then(() => this.socket.send(frames)) : this.socket.send(frames)))
      .catch((e: Error) => {
        if (!this.socket.closed) log("error", `${this.name}: send failed: ${e.message}`);
      });
    return this.tail;
  }
  flush(): Promise<void> {
    return this.tail;
  }
}

export class Wire {
  private readonly signer: Signer;
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  // XPUB rather than PUB: it tells us when a client has subscribed (see `subscribed`).
  private readonly iopub = new zmq.XPublisher();
  private readonly heartbeat = new zmq.Reply();
  private readonly queues: Record<Channel, SendQueue>;
  private closed = false;
  /**
   * Settles at the first subscription to iopub, or after SUBSCRIBE_WAIT_MS. A PUB socket drops what
   * it sends before the subscriber's handshake arrives, and jupyter_client's wait_for_ready starts
   * over (a second later) when the busy/idle of its first kernel_info_request never came.
   */
  private readonly subscribed: Promise<void>;
  private markSubscribed!: () => void;
  private isSubscribed = false;

  constructor(private readonly info: ConnectionInfo) {
    this.signer = createSigner(info.key, info.signature_scheme);
    this.queues = {
      shell: new SendQueue(this.shell, "shell"),
      control: new SendQueue(this.control, "control"),
      stdin: new SendQueue(this.stdin, "stdin"),
      iopub: new SendQueue(this.iopub, "iopub"),
    };
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) s.linger = 1000;
    this.subscribed = new Promise((resolve) => {
      this.markSubscribed = () => {
        this.isSubscribed = true;
        resolve();
      };
      setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref();
    });
  }

  async bind(): Promise<void> {
    await Promise.all([
      this.shell.bind(endpoint(this.info, "shell_port")),
      this.control.bind(endpoint(this.info, "control_port")),
      this.stdin.bind(endpoint(this.info, "stdin_port")),
      this.iopub.bind(endpoint(this.info, "iopub_port")),
      this.heartbeat.bind(endpoint(this.info, "hb_port")),
    ]);
  }

  /** Starts the receive loops; messages that fail decoding or authentication go to `onError`. */
  listen(onMessage: MessageHandler, onError: ErrorHandler): void {
    const loop = async (socket: zmq.Router, channel: Channel) => {
      try {
        for await (const frames of socket) {
          let msg: Message;
          try {
            msg = decode(frames, this.signer, channel);
          } catch (e) {
            onError(channel, e as Error, frames);
            continue;
          }
          onMessage(msg);
        }
      } catch (e) {
        if (!this.closed) log("error", `${channel}: receive loop ended: ${(e as Error).message}`);
      }
    };
    void loop(this.shell, "shell");
    void loop(this.control, "control");
    void loop(this.stdin, "stdin");
    void this.echoHeartbeats();
    void this.watchSubscriptions();
  }

  private async watchSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.iopub) {
        if (frame[0] === 1) this.markSubscribed();
      }
    } catch (e) {
      if (!this.closed) log("error", `iopub subscriptions: ${(e as Error).message}`);
    }
  }

  private async echoHeartbeats(): Promise<void> {
    try {
      for await (const frames of this.heartbeat) await this.heartbeat.send(frames);
    } catch (e) {
      if (!this.closed) log("error", `heartbeat ended: ${(e as Error).message}`);
    }
  }

  send(msg: Message): Promise<void> {
    const frames = encode(msg, this.signer);
    // Queued at once (so close() flushes them), sent once a client has subscribed.
    if (msg.channel === "iopub" && !this.isSubscribed) return this.queues.iopub.push(frames, this.subscribed);
    return this.queues[msg.channel].push(frames);
  }

  /** Sends raw frames, for answering a client whose message could not be decoded. */
  sendFrames(channel: Channel, frames: Buffer[]): Promise<void> {
    return this.queues[channel].push(frames);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all(Object.values(this.queues).map((q) => q.flush()));
    this.closed = true;
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) s.close();
  }
}
