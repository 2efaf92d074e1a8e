"""Runs one cell on a kernel of a user's server through the hub's proxy, as a browser would: REST to
start the kernel, the kernel's websocket for the execute request. Prints one JSON line.

    kernel_ws.py start BASE TOKEN              -> {"id", "name"}
    kernel_ws.py execute BASE TOKEN ID CODE    -> {"status", "stdout", "result", "error"}
"""

import json
import sys
import uuid

from tornado.httpclient import HTTPClient, HTTPRequest
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect


def start(base, token):
    request = HTTPRequest(f"{base}/api/kernels", method="POST", body="{}", headers={"Authorization": f"token {token}"})
    return json.loads(HTTPClient().fetch(request).body)


async def execute(base, token, kernel_id, code):
    url = base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "e2e", "session": uuid.uuid4().hex, "version": "5.3"}
    ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "channel": "shell",
                                 "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}}))
    out = {"status": None, "stdout": "", "result": None, "error": None}
    idle = False
    while out["status"] is None or not idle:
        message = json.loads(await ws.read_message())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            out["stdout"] += content["text"]
        elif kind == "execute_result":
            out["result"] = content["data"].get("text/plain")
        elif kind == "error":
            out["error"] = f"{content['ename']}: {content['evalue']}"
        elif kind == "execute_reply":
            out["status"] = content["status"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    ws.close()
    return out


if __name__ == "__main__":
    op, base, token = sys.argv[1:4]
    if op == "start":
        print(json.dumps(start(base, token)))
    else:
        print(json.dumps(IOLoop.current().run_sync(lambda: execute(base, token, sys.argv[4], sys.argv[5]), timeout=120)))
