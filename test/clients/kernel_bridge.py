"""A real Jupyter client (Debian's jupyter_client) that the TypeScript tests drive over stdin/stdout.

Each line in is a JSON command; each line out is its JSON answer. The kernel is started through
jupyter_client's KernelManager from an installed kernelspec, exactly as Jupyter servers start it.
"""
import json
import os
import signal
import sys
import time
import traceback

import zmq
from jupyter_client.manager import KernelManager


def jsonable(value):
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("latin1")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, memoryview):
        return value.tobytes().decode("latin1")
    return value


def slim(msg):
    return {
        "msg_type": msg["msg_type"],
        "content": msg["content"],
        "parent_msg_id": msg["parent_header"].get("msg_id"),
        "metadata": msg.get("metadata", {}),
        "buffers": [bytes(b).decode("latin1") for b in msg.get("buffers", [])],
        "header": msg["header"],
    }


class Bridge:
    def __init__(self):
        self.km = None
        self.kc = None
        self.iopub_backlog = []
        self.reply_backlog = {}

    def start(self, kernel_name="jovial", cwd=None, env=None, timeout=60):
        started = time.perf_counter()
        self.km = KernelManager(kernel_name=kernel_name)
        kw = {}
        if cwd:
            kw["cwd"] = cwd
        if env:
            full = dict(os.environ)
            full.update(env)
            kw["env"] = full
        self.km.start_kernel(**kw)
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=timeout)
        return {"pid": self.km.provisioner.pid if self.km.provisioner else None, "seconds": time.perf_counter() - started,
                "connection_file": self.km.connection_file}

    def _channel(self, name):
        return {"shell": self.kc.shell_channel, "control": self.kc.control_channel, "stdin": self.kc.stdin_channel}[name]

    def send(self, msg_type, content, channel="shell", metadata=None):
        msg = self.kc.session.msg(msg_type, content)
        if metadata:
            msg["metadata"] = metadata
        self._channel(channel).send(msg)
        return msg["header"]["msg_id"]

    def reply(self, msg_id, channel="shell", timeout=30):
        if msg_id in self.reply_backlog:
            return self.reply_backlog.pop(msg_id)
        get = getattr(self.kc, f"get_{channel}_msg")
        deadline = time.time() + timeout
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError(f"no {channel} reply to {msg_id} within {timeout}s")
            msg = get(timeout=remaining)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
            self.reply_backlog[msg["parent_header"].get("msg_id")] = msg

    def iopub_until_idle(self, msg_id, timeout=30):
        out = []
        deadline = time.time() + timeout
        backlog, self.iopub_backlog = self.iopub_backlog, []
        pending = backlog
        while True:
            if pending:
                msg = pending.pop(0)
            else:
                remaining = deadline - time.time()
                if remaining <= 0:
                    raise TimeoutError(f"no idle status for {msg_id} within {timeout}s; got {[m['msg_type'] for m in out]}")
                msg = self.kc.get_iopub_msg(timeout=remaining)
            if msg["parent_header"].get("msg_id") != msg_id:
                self.iopub_backlog.append(msg)
                continue
            out.append(slim(msg))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                self.iopub_backlog.extend(pending)
                return out

    def drain_iopub(self, seconds=0.3):
        """Everything published in the next few seconds, whatever its parent (late output)."""
        out = [slim(m) for m in self.iopub_backlog]
        self.iopub_backlog = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                out.append(slim(self.kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))))
            except Exception:
                pass
        return out

    def request(self, msg_type, content, channel="shell", timeout=30, metadata=None):
        started = time.perf_counter()
        msg_id = self.send(msg_type, content, channel, metadata)
        reply = self.reply(msg_id, channel, timeout)
        elapsed = time.perf_counter() - started
        iopub = self.iopub_until_idle(msg_id, timeout)
        return {"msg_id": msg_id, "reply": slim(reply), "iopub": iopub, "seconds": elapsed}

    def notify(self, msg_type, content, channel="shell", timeout=30):
        """A message without a reply (comm_open, comm_msg, comm_close): what it caused on iopub."""
        msg_id = self.send(msg_type, content, channel)
        return {"msg_id": msg_id, "iopub": self.iopub_until_idle(msg_id, timeout)}

    def execute(self, code, timeout=60, answers=None, **options):
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": answers is not None, "stop_on_error": True}
        content.update(options)
        started = time.perf_counter()
        msg_id = self.send("execute_request", content)
        prompts = []
        if answers is not None:
            answers = list(answers)
            deadline = time.time() + timeout
            while answers:
                req = self.kc.get_stdin_msg(timeout=max(0.1, deadline - time.time()))
                prompts.append({"prompt": req["content"]["prompt"], "password": req["content"]["password"],
                                "parent_msg_id": req["parent_header"].get("msg_id")})
                self.kc.input(answers.pop(0))
        reply = self.reply(msg_id, "shell", timeout)
        elapsed = time.perf_counter() - started
        return {"msg_id": msg_id, "reply": slim(reply), "iopub": self.iopub_until_idle(msg_id, timeout),
                "seconds": elapsed, "prompts": prompts}

    def execute_many(self, codes, timeout=60, **options):
        """Queues several executions at once, as "run all" does, and returns each reply."""
        ids = []
        for code in codes:
            content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                       "allow_stdin": False, "stop_on_error": True}
            content.update(options)
            ids.append(self.send("execute_request", content))
        replies = [slim(self.reply(i, "shell", timeout)) for i in ids]
        for i in ids:
            self.iopub_until_idle(i, timeout)
        return replies

    def heartbeat_while_prompting(self, code, answer, timeout=30):
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": True, "stop_on_error": True})
        request = self.kc.get_stdin_msg(timeout=timeout)
        hb = self.heartbeat()
        self.kc.input(answer)
        reply = self.reply(msg_id, "shell", timeout)
        return {"prompt": request["content"]["prompt"], "heartbeat": hb, "reply": slim(reply),
                "iopub": self.iopub_until_idle(msg_id, timeout)}

    def execute_and_interrupt(self, code, after=0.3, mode="signal", timeout=30, allow_stdin=False, after_output=None):
        """Interrupts `after` seconds into the cell, or once it has sent an `after_output` message (say display_data)."""
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": allow_stdin, "stop_on_error": True})
        if after_output:
            deadline = time.time() + timeout
            while True:
                msg = self.kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
                self.iopub_backlog.append(msg)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == after_output:
                    break
        else:
            time.sleep(after)
        started = time.perf_counter()
        interrupt_reply = None
        if mode == "signal":
            self.km.interrupt_kernel()
        else:
            interrupt_reply = slim(self.reply(self.send("interrupt_request", {}, "control"), "control", timeout))
        reply = self.reply(msg_id, "shell", timeout)
        elapsed = time.perf_counter() - started
        return {"reply": slim(reply), "iopub": self.iopub_until_idle(msg_id, timeout), "seconds": elapsed,
                "interrupt_reply": interrupt_reply}

    def raw(self, frames, channel="shell", wait=0.5):
        """Sends raw frames from a fresh socket (for malformed or forged messages) and returns what came back."""
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        port = {"shell": self.km.shell_port, "control": self.km.control_port}[channel]
        sock.connect(f"tcp://{self.km.ip}:{port}")
        sock.send_multipart([f.encode("latin1") for f in frames])
        answers = []
        if sock.poll(int(wait * 1000)):
            answers.append([f.decode("latin1") for f in sock.recv_multipart()])
        sock.close(linger=0)
        return {"answers": answers}

    def sign(self, parts):
        return self.kc.session.sign([p.encode("utf8") for p in parts]).decode("ascii")

    def heartbeat(self, timeout=1.0):
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.REQ)
        sock.connect(f"tcp://{self.km.ip}:{self.km.hb_port}")
        started = time.perf_counter()
        sock.send(b"ping")
        ok = bool(sock.poll(int(timeout * 1000)))
        if ok:
            sock.recv()
        sock.close(linger=0)
        return {"alive": ok, "seconds": time.perf_counter() - started}

    def is_alive(self):
        return {"alive": self.km.is_alive()}

    def restart(self, timeout=60):
        started = time.perf_counter()
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=timeout)
        self.iopub_backlog = []
        return {"seconds": time.perf_counter() - started}

    def kill_signal(self, name):
        os.kill(self.km.provisioner.pid, getattr(signal, name))
        return {}

    def shutdown(self):
        if self.kc:
            self.kc.stop_channels()
        if self.km and self.km.has_kernel:
            self.km.shutdown_kernel(now=False)
        return {}


def main():
    bridge = Bridge()
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        op = command.pop("op")
        try:
            result = {"ok": True, "value": jsonable(getattr(bridge, op)(**command))}
        except Exception as e:  # reported to the test, which fails with it
            result = {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
    bridge.shutdown()


if __name__ == "__main__":
    main()
