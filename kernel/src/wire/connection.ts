/** The connection file a Jupyter client writes for a kernel it starts. */
import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

const PORTS = ["shell_port", "control_port", "iopub_port", "stdin_port", "hb_port"] as const;
export type PortName = (typeof PORTS)[number];

export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: cannot read the connection file: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null) throw new Error(`${path}: the connection file is not a JSON object`);
  const info = raw as Record<string, unknown>;
  for (const port of PORTS) {
    if (!Number.isInteger(info[port])) throw new Error(`${path}: ${port} must be an integer, got ${JSON.stringify(info[port])}`);
  }
  const scheme = (info.signature_scheme as string | undefined) ?? "hmac-sha256";
  if (!/^hmac-sha(256|512|1)$/.test(scheme)) throw new Error(`${path}: unsupported signature_scheme ${JSON.stringify(scheme)}`);
  return {
    transport: info.transport === "ipc" ? "ipc" : "tcp",
    ip: typeof info.ip === "string" ? info.ip : "127.0.0.1",
    key: typeof info.key === "string" ? info.key : "",
    signature_scheme: scheme,
    ...(Object.fromEntries(PORTS.map((p) => [p, info[p] as number])) as Record<PortName, number>),
    kernel_name: typeof info.kernel_name === "string" ? info.kernel_name : undefined,
  };
}

/** The ZeroMQ endpoint of one channel: ipc endpoints are `ip-port` paths, as jupyter_client names them. */
export function endpoint(info: ConnectionInfo, port: PortName): string {
  return info.transport === "ipc" ? `ipc://${info.ip}-${info[port]}` : `tcp://${info.ip}:${info[port]}`;
}
