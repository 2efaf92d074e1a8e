"""Measures one Jupyter kernel through jupyter_client (Debian's 7.4.9) and prints one JSON object on stdout.

usage: /usr/bin/python3 bench/kernels.py KERNEL_NAME [--cwd DIR] [--cold N] [--cells N] [--rtt N]

The kernelspec is looked up the usual way (run.js points JUPYTER_PATH at a private folder). Every request has
a timeout; a step that fails records {"error": "..."} and the run goes on with the next step, or skips the
remaining steps with "kernel died" when the kernel process is gone. Progress goes to stderr.
"""
import argparse
import json
import os
import queue
import re
import signal
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

TIMEOUT = 30.0  # seconds, for any single request
START_TIMEOUT = 90.0  # seconds, from process start to kernel_info_reply
IDLE_LOST = 5.0  # seconds to wait for a cell's idle status once its execute_reply is in
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Deno colours its text/plain results


def log(*args):
    print("[kernels.py]", *args, file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs) if xs else None


def p95(xs):
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def process_tree_rss(root):
    """Sum of VmRSS (bytes) over `root` and all its descendant processes, from /proc.

    Threads share their process's memory, so each process is counted once (its RSS already covers all its
    threads). Pages shared between processes are counted once per process."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, pids, threads, todo = 0, [], 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        total += int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
        threads += int(fields.get("Threads", "0").strip())
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return {"bytes": total, "processes": len(pids), "threads": threads}


class Kernel:
    """One running kernel and a blocking client, with timed requests."""

    def __init__(self, name, cwd):
        self.km = KernelManager(kernel_name=name)
        self.started = time.perf_counter()
        self.km.start_kernel(cwd=cwd)
        self.kc = self.km.blocking_client()
        self.kc.start_channels()

    @property
    def pid(self):
        return self.km.provisioner.pid

    def alive(self):
        return self.km.is_alive()

    def shutdown(self):
        try:
            self.kc.stop_channels()
        finally:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)

    def _shell_reply(self, msg_id, timeout):
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no reply within {timeout:g}s" + ("" if self.alive() else " (kernel died)"))
            try:
                msg = self.kc.get_shell_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not self.alive():
                    raise RuntimeError("kernel died")
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _iopub_until_idle(self, msg_id, timeout, lenient=False):
        """Messages on iopub for msg_id up to its idle status; returns (messages, time idle was seen).
        lenient: after the timeout, return (messages, None) instead of raising."""
        deadline = time.perf_counter() + timeout
        seen = []
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                if lenient:
                    return seen, None
                raise TimeoutError(f"no idle status within {timeout:g}s")
            try:
                msg = self.kc.get_iopub_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not self.alive():
                    raise RuntimeError("kernel died")
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            seen.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return seen, time.perf_counter()

    def kernel_info(self, timeout=START_TIMEOUT):
        """Seconds from process start to the first kernel_info_reply (re-asked every 2 s in case one is lost)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            msg_id = self.kc.kernel_info()
            try:
                reply = self._shell_reply(msg_id, min(2.0, deadline - time.perf_counter()))
            except TimeoutError:
                if not self.alive():
                    raise RuntimeError("kernel died before kernel_info_reply")
                continue
            elapsed = time.perf_counter() - self.started
            self._wait_for_iopub(deadline)
            return elapsed, reply["content"]
        raise TimeoutError(f"no kernel_info_reply within {timeout:g}s")

    def _wait_for_iopub(self, deadline):
        """Like jupyter_client's wait_for_ready: the iopub SUB socket may connect only after the kernel's first
        messages (ZeroMQ's slow joiner), and then a cell's idle status is lost. Ask kernel_info until its busy/idle
        shows up on iopub (a few ms once connected)."""
        while time.perf_counter() < deadline:
            msg_id = self.kc.kernel_info()
            self._shell_reply(msg_id, TIMEOUT)
            try:
                self._iopub_until_idle(msg_id, 0.25)
                return
            except TimeoutError:
                continue
        raise TimeoutError("iopub never delivered a status message")

    def execute(self, code, timeout=TIMEOUT, want_result=False):
        """Round trip of one cell: send execute_request -> execute_reply AND idle status on iopub.

        With want_result, a value that arrives after the idle status (seen once from Deno on a loaded machine)
        is waited for up to 2 s and the round trip ends when it arrives."""
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False)
        reply = self._shell_reply(msg_id, timeout)
        t_reply = time.perf_counter()
        # a kernel that answered but never publishes this cell's idle status (tslab drops one now and then) costs
        # IDLE_LOST seconds and gives no time for this cell ("lost_idle"), instead of failing the whole step
        iopub, t_idle = self._iopub_until_idle(msg_id, IDLE_LOST, lenient=True)
        if t_idle is None and not self.alive():
            raise RuntimeError("kernel died")
        t_done = max(t_reply, t_idle or 0)
        late = want_result and reply["content"].get("status") == "ok" and self._value(iopub) is None
        if late:
            deadline = time.perf_counter() + 2.0
            while self._value(iopub) is None and time.perf_counter() < deadline:
                try:
                    msg = self.kc.get_iopub_msg(timeout=max(0.01, deadline - time.perf_counter()))
                except queue.Empty:
                    break
                if msg["parent_header"].get("msg_id") == msg_id:
                    iopub.append(msg)
                    t_done = time.perf_counter()
        content = reply["content"]
        errors = [m["content"] for m in iopub if m["msg_type"] == "error"]
        return {"seconds": t_done - t0 if t_idle else None, "lost_idle": t_idle is None,
                "status": content.get("status"), "result": self._value(iopub),
                "error": (content.get("ename"), content.get("evalue")) if content.get("status") != "ok" else
                (errors[0]["ename"], errors[0]["evalue"]) if errors else None,
                "t_done": t_done, "late": late, "iopub": [m["msg_type"] for m in iopub]}

    @staticmethod
    def _value(iopub):
        """The cell's value: execute_result (ours, Deno) or, for kernels that print it (tslab), display_data or stdout."""
        shown = [m["content"]["data"].get("text/plain") for m in iopub if m["msg_type"] in ("execute_result", "display_data")]
        printed = "".join(m["content"]["text"] for m in iopub if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        result = shown[0] if shown else printed or None
        return ANSI.sub("", result) if result else result

    def complete(self, code, timeout=TIMEOUT):
        t0 = time.perf_counter()
        msg_id = self.kc.complete(code, len(code))
        reply = self._shell_reply(msg_id, timeout)
        return time.perf_counter() - t0, reply["content"]


def timing(times, **extra):
    """Median etc. of round trips; None entries are cells whose idle status never came (not timed, counted)."""
    ok = [t for t in times if t is not None]
    return {"n": len(ok), "median_s": median(ok), "p95_s": p95(ok), "max_s": max(ok) if ok else None,
            "lost_idle": len(times) - len(ok), **extra, "times_s": times}


def mean_of(times):
    ok = [t for t in times if t is not None]
    return statistics.mean(ok) if ok else None


def check_ok(r, expect=None):
    if r["status"] != "ok":
        raise RuntimeError(f"cell failed: {r['error']}")
    if expect is not None and (r["result"] or "").strip().strip("'\"") != expect:
        raise RuntimeError(f"unexpected result {r['result']!r}, expected {expect!r} (iopub: {', '.join(r['iopub'])})")
    return r["seconds"]


def step(results, key, fn):
    """Runs one measurement; an exception becomes {"error": ...} instead of ending the run."""
    t0 = time.perf_counter()
    try:
        results[key] = fn()
    except Exception as e:  # noqa: BLE001 - every failure is a result here
        results[key] = {"error": f"{type(e).__name__}: {e}"}
    log(f"{key}: {json.dumps(results[key])[:300]} ({time.perf_counter() - t0:.1f}s)")


def cold_start(name, cwd):
    k = Kernel(name, cwd)
    try:
        info_s, info = k.kernel_info()
        rss = process_tree_rss(k.pid)
        r = k.execute("1+1", want_result=True)
        check_ok(r, "2")
        return {"kernel_info_s": info_s, "first_result_s": r["t_done"] - k.started, "rss_after_start": rss,
                "rss_after_first_cell": process_tree_rss(k.pid), "implementation": info.get("implementation"),
                "language": info.get("language_info", {}).get("name")}
    finally:
        k.shutdown()


def session(out, name, cwd, steps):
    """Runs steps [(key, fn(kernel))] in one fresh kernel; a kernel that cannot start fails them all."""
    try:
        k = Kernel(name, cwd)
    except Exception as e:  # noqa: BLE001
        for key, _ in steps:
            out[key] = {"error": f"could not start: {e}"}
        return
    try:
        step(out, "kernel_info_" + steps[0][0], lambda: {"seconds": k.kernel_info()[0]})
        for key, fn in steps:
            if not k.alive():
                out[key] = {"error": "kernel died"}
                continue
            step(out, key, lambda: fn(k))
    finally:
        k.shutdown()


def median_of(runs, path):
    values = [r[path[0]][path[1]] if len(path) == 2 else r[path[0]] for r in runs if "error" not in r]
    return median(values)


def measure(name, cwd, cold_runs, cells, rtt_runs):
    out = {"kernel": name}
    km = KernelManager(kernel_name=name)
    out["kernelspec"] = {"resource_dir": km.kernel_spec.resource_dir, "argv": km.kernel_spec.argv,
                         "interrupt_mode": km.kernel_spec.interrupt_mode}

    # 1. cold starts, each in a fresh kernel: times, and RSS right after kernel_info_reply and after `1+1`
    runs = []
    for i in range(cold_runs):
        step(out, f"cold_{i}", lambda: cold_start(name, cwd))
        runs.append(out.pop(f"cold_{i}"))
    if any("error" not in r for r in runs):
        out["cold_start"] = {"runs": runs, "kernel_info_s": median_of(runs, ["kernel_info_s"]),
                             "first_result_s": median_of(runs, ["first_result_s"])}
        out["rss_after_start"] = {"bytes": median_of(runs, ["rss_after_start", "bytes"])}
        out["rss_after_first_cell"] = {"bytes": median_of(runs, ["rss_after_first_cell", "bytes"])}
    else:
        out["cold_start"] = out["rss_after_start"] = out["rss_after_first_cell"] = {"error": runs[0]["error"], "runs": runs}

    # 2. a fresh kernel: 200 cells that each declare something new, RSS after, and `1+1` after them
    def declarations(k):
        check_ok(k.execute("1+1", want_result=True), "2")  # warm-up: a kernel's first-cell loading is not growth
        times = [check_ok(k.execute(f"const v{i} = {i};")) for i in range(cells)]
        check_ok(k.execute(f"v{cells - 1}", want_result=True), str(cells - 1))  # state really persisted
        first, last = mean_of(times[:20]), mean_of(times[-20:])
        return {"cells": cells, "first20_mean_s": first, "last20_mean_s": last, "ratio": last / first,
                "lost_idle": times.count(None), "times_s": times}

    def one_plus_one_after(k):
        return timing([check_ok(k.execute("1+1", want_result=True), "2") for _ in range(20)])

    session(out, name, cwd, [
        ("declarations", declarations),
        ("rss_after_cells", lambda k: process_tree_rss(k.pid)),
        ("one_plus_one_after_cells", one_plus_one_after),
    ])

    # 3. a fresh kernel: `1+1` round trips
    def round_trip(k):
        for _ in range(5):  # warm-up, not counted
            check_ok(k.execute("1+1", want_result=True), "2")
        runs = [k.execute("1+1", want_result=True) for _ in range(rtt_runs)]
        return timing([check_ok(r, "2") for r in runs], late_results=sum(r["late"] for r in runs))

    session(out, name, cwd, [("one_plus_one", round_trip)])

    # 4. a fresh kernel: typed function, completion, interrupt (last: a peer may die of it)
    def typed_function(k):
        times = []
        for i in range(20):
            r = k.execute(f"function area_{i}(r: number): number {{ return Math.PI * r * r }}\narea_{i}(2)",
                          want_result=True)
            check_ok(r)
            if not (r["result"] or "").startswith("12.566"):
                raise RuntimeError(f"unexpected result {r['result']!r}")
            times.append(r["seconds"])
        return timing(times)

    def completion(k):
        times, matches = [], []
        for _ in range(50):
            seconds, content = k.complete("Math.")
            if content.get("status") != "ok":
                raise RuntimeError(f"complete_reply status {content.get('status')}")
            matches = content.get("matches", [])
            times.append(seconds)
        if not any(m == "PI" or m.endswith(".PI") for m in matches):
            raise RuntimeError(f"no 'PI' among {len(matches)} matches: {matches[:10]}")
        return {"n": 50, "median_s": median(times), "p95_s": p95(times), "matches": len(matches)}

    def interrupt(k):
        times, outcome = [], []
        for _ in range(5):
            msg_id = k.kc.execute("while (true) {}", allow_stdin=False)
            time.sleep(0.5)
            t0 = time.perf_counter()
            k.km.interrupt_kernel()
            try:
                reply = k._shell_reply(msg_id, 10.0)
            except Exception:  # noqa: BLE001
                verdict = "dies" if not k.alive() else "no reply within 10 s"
                outcome.append(verdict)
                return {"error": verdict, "times_s": times, "outcome": outcome}
            times.append(time.perf_counter() - t0)
            outcome.append(reply["content"].get("status"))
            k._iopub_until_idle(msg_id, IDLE_LOST, lenient=True)
            # the kernel must answer again; tslab replies "abort" to cells sent shortly after an error
            aborted, deadline = 0, time.perf_counter() + 10.0
            while (after := k.execute("1+1", want_result=True))["status"] == "abort" and time.perf_counter() < deadline:
                aborted += 1
                time.sleep(0.1)
            check_ok(after, "2")
            if aborted:
                outcome[-1] += f" ({aborted} later cells aborted)"
        return {"n": len(times), "median_s": median(times), "max_s": max(times), "reply_status": outcome,
                "times_s": times}

    session(out, name, cwd, [("typed_function", typed_function), ("completion", completion), ("interrupt", interrupt)])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernel")
    ap.add_argument("--cwd", default=os.getcwd())
    ap.add_argument("--cold", type=int, default=3)
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--rtt", type=int, default=200)
    args = ap.parse_args()
    # run.js's overall timeout sends SIGTERM: exit through the `finally` blocks so no kernel is left running
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = measure(args.kernel, args.cwd, args.cold, args.cells, args.rtt)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
