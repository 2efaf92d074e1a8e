/**
 * The composition root: wire, core and interpreter, started in that order and closed in the reverse.
 * Run by Jupyter as `node kernel/dist/main.js -f CONNECTION_FILE`.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { defaultHistoryDir, HistoryStore } from "./core/history.js";
import { KERNEL_VERSION } from "./core/kernel-info.js";
import { KernelCore } from "./core/core.js";
import { InterpreterHost } from "./interpreter/host.js";
import { log } from "./common/log.js";
import { readConnectionFile } from "./wire/connection.js";
import { Wire } from "./wire/sockets.js";

export async function startKernel(connectionFile: string): Promise<void> {
  const info = readConnectionFile(connectionFile);
  // smoothy's views load their browser libraries from this kernelspec's folder (/kernelspecs/<name>/).
  process.env.JOVIAL_KERNEL_NAME ??= info.kernel_name || "jovial";
  const wire = new Wire(info);
  const session = { id: randomUUID(), username: username() };
  const typeCheck = !/^(0|false|off|no)$/i.test(process.env.JOVIAL_TYPECHECK ?? "");
  let core: KernelCore | undefined;
  const interpreter = new InterpreterHost(
    {
      output: (e) => core?.output(e),
      inputRequest: (parent, prompt, password) => core?.inputRequest(parent, prompt, password),
      comms: (open) => core?.comms(open),
      exit: (code) => {
        log("error", `the interpreter ended (code ${code}); exiting so that Jupyter restarts the kernel`);
        void wire.close().finally(() => process.exit(1));
      },
    },
    { typeCheck, version: KERNEL_VERSION },
  );
  const shutdown = async (restart: boolean) => {
    log("info", `shutting down${restart ? " for a restart" : ""}`);
    await interpreter.close();
    await wire.close();
    process.exit(0);
  };
  core = new KernelCore(wire, interpreter, new HistoryStore(defaultHistoryDir()), session, (restart) => void shutdown(restart));
  // Signal-mode interrupts: Jupyter sends SIGINT to this process, whose loop is never held by user code.
  process.on("SIGINT", () => void interpreter.interrupt());
  process.on("SIGTERM", () => void shutdown(false));
  // The worker loads TypeScript while the sockets bind: kernel_info never waits for it.
  const ready = interpreter.start();
  await wire.bind();
  wire.listen(
    (msg) => core!.receive(msg),
    (channel, error) => core!.rejected(channel, error),
  );
  await ready;
  log("info", `kernel ready (session ${session.id})`);
}

const args = process.argv.slice(2);
const flag = args.findIndex((a) => a === "-f" || a === "--connection-file");
if (flag >= 0 && args[flag + 1]) {
  startKernel(args[flag + 1]).catch((e: Error) => {
    log("error", e.message);
    process.exit(1);
  });
}

/** The session's user name: a container user with no /etc/passwd entry (a uid from LDAP) is still a user. */
function username(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER || process.env.LOGNAME || `uid${process.getuid?.() ?? ""}`;
  }
}
