/** A real redis-server (Debian's) on 127.0.0.1 for a test, without persistence, stopped by PID. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn("/usr/bin/redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${port}: ${output}`)), 15_000);
    const check = () => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.end();
        clearTimeout(timer);
        resolve();
      });
      socket.on("error", () => setTimeout(check, 50));
    };
    child.on("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    check();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(child.pid!, "SIGTERM");
      }),
  };
}
