/** Debian's classic notebook server, started on 127.0.0.1 for a test and stopped by PID. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export interface NotebookServer {
  url: string;
  token: string;
  log: string[];
  stop(): Promise<void>;
}

export async function startNotebookServer(dir: string, env: Record<string, string>): Promise<NotebookServer> {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const log: string[] = [];
  const child: ChildProcess = spawn(
    "/usr/bin/jupyter-notebook",
    [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${dir}`,
      "--MappingKernelManager.default_kernel_name=jovial",
      "--allow-root",
    ],
    { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (d) => log.push(String(d)));
  child.stderr!.on("data", (d) => log.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((r) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        r(undefined);
      }, 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        r(undefined);
      });
    });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter-notebook exited with ${child.exitCode}:\n${log.join("")}`);
    try {
      const r = await fetch(`${url}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jupyter-notebook did not answer within 30 s:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, token, log, stop };
}
