#!/usr/bin/python3
"""A recording HTTP/1.1 proxy that sits between the AWS clients of a benchmark and `ferry sandbox`.

It forwards bytes unchanged in both directions (SigV4 signatures stay valid: the Host header the
client signed is what the sandbox receives) and appends one JSON line per exchange to --log:

  {"t0": epoch s, first request byte; "t1": epoch s, last response byte; "conn": n,
   "method": "PUT", "target": "/2015-03-31/functions/f/code", "status": 200,
   "update": "InProgress" | null, "state": "Active" | null}

`update`/`state` are LastUpdateStatus/State read from JSON response bodies up to 256 KiB, so a
benchmark can tell a waiter's poll that saw an update in progress from any other call.
The sandbox itself keeps no per-request counters (its /_ferry/health has none), which is why the
benchmarks count throttling responses (429) here, on the wire, for every client alike.

Prints "trace proxy listening on 127.0.0.1:PORT" once serving; stops on SIGTERM/SIGINT.
"""
import argparse
import asyncio
import itertools
import json
import re
import signal
import sys
import time

_UPDATE_RE = re.compile(rb'"LastUpdateStatus"\s*:\s*"(\w+)"')
_STATE_RE = re.compile(rb'"State"\s*:\s*"(\w+)"')
_KEEP_BODY = 256 * 1024


class HttpStream:
    """Incremental HTTP/1.1 message framer (Content-Length, chunked, 1xx, HEAD, read-to-close)."""

    def __init__(self, is_response, on_head, on_end, request_method=None):
        self.is_response = is_response
        self.on_head = on_head  # (start_line, headers) when a head is complete
        self.on_end = on_end  # (status or None, body bytes kept) when a message is complete
        self.request_method = request_method  # () -> method of the request being answered
        self.buf = bytearray()
        self.state = "head"
        self.remaining = 0
        self.status = None
        self.body = bytearray()

    def _keep(self, data):
        if len(self.body) < _KEEP_BODY:
            self.body += data[: _KEEP_BODY - len(self.body)]

    def _end(self):
        self.on_end(self.status, bytes(self.body))
        self.state = "head"
        self.body = bytearray()
        self.status = None

    def close(self):
        if self.state == "until_close":
            self._end()

    def feed(self, data):
        self.buf += data
        while True:
            if self.state == "head":
                i = self.buf.find(b"\r\n\r\n")
                if i < 0:
                    return
                lines = bytes(self.buf[:i]).split(b"\r\n")
                del self.buf[: i + 4]
                start = lines[0].decode("latin-1")
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(b":")
                    headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
                if self.is_response:
                    self.status = int(start.split()[1])
                    if 100 <= self.status < 200:
                        self.status = None
                        continue  # interim response (100 Continue): the final one follows
                    if self.request_method() == "HEAD" or self.status in (204, 304):
                        self.on_head(start, headers)
                        self._end()
                        continue
                self.on_head(start, headers)
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    self.state = "chunk_size"
                elif "content-length" in headers:
                    self.remaining = int(headers["content-length"])
                    if self.remaining == 0:
                        self._end()
                    else:
                        self.state = "body"
                elif self.is_response:
                    self.state = "until_close"
                else:
                    self._end()
            elif self.state in ("body", "chunk_data"):
                if not self.buf:
                    return
                n = min(len(self.buf), self.remaining)
                self._keep(self.buf[:n])
                del self.buf[:n]
                self.remaining -= n
                if self.remaining:
                    return
                if self.state == "body":
                    self._end()
                else:
                    self.state = "chunk_crlf"
            elif self.state == "chunk_size":
                i = self.buf.find(b"\r\n")
                if i < 0:
                    return
                size = int(bytes(self.buf[:i]).split(b";")[0].strip() or b"0", 16)
                del self.buf[: i + 2]
                self.remaining = size
                self.state = "chunk_data" if size else "trailers"
            elif self.state == "chunk_crlf":
                if len(self.buf) < 2:
                    return
                del self.buf[:2]
                self.state = "chunk_size"
            elif self.state == "trailers":
                i = self.buf.find(b"\r\n")
                if i < 0:
                    return
                del self.buf[: i + 2]
                if i == 0:
                    self._end()
            elif self.state == "until_close":
                self._keep(self.buf)
                self.buf.clear()
                return


class Proxy:
    def __init__(self, upstream_host, upstream_port, log):
        self.upstream = (upstream_host, upstream_port)
        self.log = log
        self.ids = itertools.count(1)

    async def handle(self, client_reader, client_writer):
        conn = next(self.ids)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        pending = []  # requests in order, answered FIFO (HTTP/1.1)
        current = {}

        def request_head(start, headers):
            method, _, rest = start.partition(" ")
            current.setdefault("t0", time.time())
            current["method"] = method
            current["target"] = rest.rsplit(" ", 1)[0]
            pending.append(current.copy())

        def request_end(_status, _body):
            current.clear()

        def response_head(_start, _headers):
            pass

        def response_end(status, body):
            if not pending:
                return
            record = pending.pop(0)
            m = _UPDATE_RE.search(body)
            s = _STATE_RE.search(body)
            record.update(t1=time.time(), conn=conn, status=status,
                          update=m.group(1).decode() if m else None,
                          state=s.group(1).decode() if s else None)
            self.log.write(json.dumps(record) + "\n")
            self.log.flush()

        req = HttpStream(False, request_head, request_end)
        resp = HttpStream(True, response_head, response_end,
                          lambda: pending[0]["method"] if pending else "GET")

        async def pump_requests():
            try:
                while True:
                    data = await client_reader.read(65536)
                    if not data:
                        break
                    if req.state == "head" and not req.buf and "t0" not in current:
                        current["t0"] = time.time()
                    req.feed(data)
                    up_writer.write(data)
                    await up_writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    up_writer.write_eof()
                except (OSError, RuntimeError):
                    pass

        async def pump_responses():
            try:
                while True:
                    data = await up_reader.read(65536)
                    if not data:
                        break
                    resp.feed(data)
                    client_writer.write(data)
                    await client_writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                resp.close()
                client_writer.close()

        await asyncio.gather(pump_requests(), pump_responses())
        up_writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of ferry sandbox")
    parser.add_argument("--log", required=True, help="JSON-lines file of exchanges")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    with open(args.log, "a", buffering=1 << 16) as log:
        proxy = Proxy(host, int(port), log)
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        print("trace proxy listening on 127.0.0.1:%d" % server.sockets[0].getsockname()[1],
              flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()
        log.flush()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
