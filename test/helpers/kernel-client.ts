/**
 * Drives the kernel through Debian's jupyter_client (test/clients/kernel_bridge.py): the tests speak
 * to a real client, which speaks the real protocol to the real kernel process.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { installKernelspec } from "../../kernel/src/cli.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PYTHON = "/usr/bin/python3";

export interface WireMessage {
  msg_type: string;
  content: any;
  parent_msg_id?: string;
  metadata: Record<string, unknown>;
  buffers: string[];
  header: Record<string, any>;
}

export interface Exchange {
  msg_id: string;
  reply: WireMessage;
  iopub: WireMessage[];
  seconds: number;
  prompts?: Array<{ prompt: string; password: boolean; parent_msg_id: string }>;
}

/** A private Jupyter data dir with our kernelspec, so tests never touch the user's own kernels. */
export function testJupyterHome(): { dir: string; env: Record<string, string>; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "jovial-test-"));
  installKernelspec({ name: "jovial", location: { prefix: dir } });
  const env = {
    JUPYTER_PATH: path.join(dir, "share", "jupyter"),
    JOVIAL_HISTORY_DIR: path.join(dir, "history"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JOVIAL_CACHE_DIR: path.join(dir, "cache"),
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class KernelClient {
  private readonly bridge: ChildProcessWithoutNullStreams;
  private readonly answers: Array<(line: string) => void> = [];
  readonly stderr: string[] = [];

  constructor(readonly env: Record<string, string>) {
    this.bridge = spawn(PYTHON, [path.join(ROOT, "test", "clients", "kernel_bridge.py")], { env: { ...process.env, ...env } });
    createInterface({ input: this.bridge.stdout }).on("line", (line) => this.answers.shift()?.(line));
    this.bridge.stderr.on("data", (d: Buffer) => this.stderr.push(d.toString()));
  }

  call<T = any>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      this.answers.push((line) => {
        const answer = JSON.parse(line) as { ok: boolean; value?: T; error?: string; trace?: string };
        if (answer.ok) resolve(answer.value as T);
        else reject(new Error(`${op}: ${answer.error}\n${answer.trace}\nkernel log:\n${this.stderr.join("").slice(-3000)}`));
      });
      this.bridge.stdin.write(JSON.stringify({ op, ...args }) + "\n");
    });
  }

  start(options: { cwd?: string; env?: Record<string, string> } = {}) {
    return this.call<{ pid: number; seconds: number; connection_file: string }>("start", { kernel_name: "jovial", ...options });
  }

  execute(code: string, options: Record<string, unknown> = {}): Promise<Exchange> {
    return this.call("execute", { code, ...options });
  }

  request(msg_type: string, content: Record<string, unknown>, channel = "shell"): Promise<Exchange> {
    return this.call("request", { msg_type, content, channel });
  }

  async close(): Promise<void> {
    try {
      await this.call("shutdown");
    } finally {
      this.bridge.stdin.end();
      await new Promise((r) => this.bridge.once("exit", r));
    }
  }
}

/** The iopub messages of one type, in order. */
export function ofType(exchange: Exchange, type: string): WireMessage[] {
  return exchange.iopub.filter((m) => m.msg_type === type);
}

export function streamText(exchange: Exchange, name = "stdout"): string {
  return ofType(exchange, "stream")
    .filter((m) => m.content.name === name)
    .map((m) => m.content.text)
    .join("");
}

export function resultText(exchange: Exchange): string | undefined {
  return ofType(exchange, "execute_result")[0]?.content.data["text/plain"];
}
