/**
 * Comms, as the Jupyter widgets protocol uses them: the kernel side of `comm_open`, `comm_msg` and
 * `comm_close`, in both directions.
 */
import { randomUUID } from "node:crypto";
import type { Outputs } from "./output.js";

export type CommData = Record<string, unknown>;
export type CommMessageHandler = (data: CommData, buffers: Uint8Array[]) => void | Promise<void>;

export class Comm {
  private messageHandlers: CommMessageHandler[] = [];
  private closeHandlers: Array<(data: CommData) => void> = [];
  closed = false;

  constructor(
    readonly comm_id: string,
    readonly target_name: string,
    private readonly registry: Comms,
  ) {}

  send(data: CommData = {}, buffers: Uint8Array[] = []): void {
    if (this.closed) throw new Error(`comm ${this.comm_id} (${this.target_name}) is closed`);
    this.registry.outputs.emit("comm_msg", { comm_id: this.comm_id, data }, { buffers });
  }

  close(data: CommData = {}): void {
    if (this.closed) return;
    this.registry.outputs.emit("comm_close", { comm_id: this.comm_id, data });
    this.registry.forget(this, data);
  }

  onMsg(handler: CommMessageHandler): this {
    this.messageHandlers.push(handler);
    return this;
  }

  onClose(handler: (data: CommData) => void): this {
    this.closeHandlers.push(handler);
    return this;
  }

  /** @internal */
  async deliver(data: CommData, buffers: Uint8Array[]): Promise<void> {
    for (const handler of this.messageHandlers) await handler(data, buffers);
  }

  /** @internal */
  closedBy(data: CommData): void {
    this.closed = true;
    for (const handler of this.closeHandlers) handler(data);
  }
}

export type CommTarget = (comm: Comm, data: CommData, buffers: Uint8Array[]) => void | Promise<void>;

export class Comms {
  private readonly open = new Map<string, Comm>();
  private readonly targets = new Map<string, CommTarget>();

  constructor(readonly outputs: Outputs) {}

  registerTarget(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Opens a comm from the kernel's side. */
  openComm(targetName: string, data: CommData = {}, buffers: Uint8Array[] = []): Comm {
    const comm = new Comm(randomUUID().replace(/-/g, ""), targetName, this);
    this.open.set(comm.comm_id, comm);
    this.outputs.emit("comm_open", { comm_id: comm.comm_id, target_name: targetName, data }, { buffers });
    this.announce();
    return comm;
  }

  /** A comm the front end opened; false when no target of that name is registered. */
  async openedByClient(commId: string, targetName: string, data: CommData, buffers: Uint8Array[]): Promise<boolean> {
    const target = this.targets.get(targetName);
    if (!target) return false;
    const comm = new Comm(commId, targetName, this);
    this.open.set(commId, comm);
    this.announce();
    await target(comm, data, buffers);
    return true;
  }

  async message(commId: string, data: CommData, buffers: Uint8Array[]): Promise<boolean> {
    const comm = this.open.get(commId);
    if (!comm) return false;
    await comm.deliver(data, buffers);
    return true;
  }

  closedByClient(commId: string, data: CommData): boolean {
    const comm = this.open.get(commId);
    if (!comm) return false;
    this.forget(comm, data);
    return true;
  }

  /** @internal */
  forget(comm: Comm, data: CommData): void {
    this.open.delete(comm.comm_id);
    comm.closedBy(data);
    this.announce();
  }

  /** The host answers `comm_info_request` without waiting for this thread, so it keeps a copy. */
  private announce(): void {
    const open: Record<string, { target_name: string }> = {};
    for (const [id, comm] of this.open) open[id] = { target_name: comm.target_name };
    this.outputs.post({ type: "comms", open });
  }
}
