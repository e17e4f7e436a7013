"""A JSON-RPC proxy that makes a local Anvil behave like a remote node.

    proxy = RpcProxy(anvil).start()
    proxy.url                # like a provider's endpoint: no unlocked accounts
    proxy.url + "/no-time"   # ... and no evm_* / anvil_* methods (no time travel)
    proxy.url + "/flaky"     # ... whose first `flaky` requests answer HTTP 503
    proxy.kill_after_sends = 2   # after the 2nd raw transaction: stop Anvil, stop answering

`eth_accounts` answers [] and `eth_sendTransaction` / `eth_sign*` are refused, so whatever
works through the proxy signed its transactions locally. Every method seen is counted.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tradelane.chain import AnvilProcess

NODE_SIGNS = ("eth_sendTransaction", "eth_sign", "eth_signTransaction", "eth_signTypedData_v4")


class RpcProxy:
    def __init__(self, anvil: AnvilProcess) -> None:
        self.anvil = anvil
        self.seen: Counter[str] = Counter()
        self.flaky = 0  # requests on /flaky still to fail
        self.kill_after_sends: int | None = None
        self._sends = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> RpcProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/flaky" and proxy.flaky > 0:
                    proxy.flaky -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                requests = body if isinstance(body, list) else [body]
                answers = [proxy.answer(r, no_time=self.path == "/no-time") for r in requests]
                data = json.dumps(answers if isinstance(body, list) else answers[0]).encode()
                if proxy.kill_after_sends is not None and proxy._sends >= proxy.kill_after_sends:
                    proxy.kill()  # before answering, so nothing reaches the node afterwards
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def answer(self, request: dict[str, Any], *, no_time: bool) -> dict[str, Any]:
        method = request.get("method", "")
        self.seen[method] += 1
        base = {"jsonrpc": "2.0", "id": request.get("id")}
        if method == "eth_accounts":
            return {**base, "result": []}
        if method in NODE_SIGNS or (no_time and method.startswith(("evm_", "anvil_"))):
            message = f"the method {method} does not exist/is not available"
            return {**base, "error": {"code": -32601, "message": message}}
        forwarded = urllib.request.Request(
            self.anvil.url,
            data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(forwarded, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
        if method == "eth_sendRawTransaction":
            self._sends += 1
        return answer

    def kill(self) -> None:
        """The RPC dies: Anvil stops and the endpoint stops accepting connections."""
        self.anvil.stop()
        server = self._server
        if server is not None:
            threading.Thread(target=lambda: (server.shutdown(), server.server_close())).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
