#!/usr/bin/python3
"""httpd.py — the local HTTP server every claimd test fetches from (127.0.0.1 only).

Serves files under --root with ETag and Last-Modified (and 304 to a matching conditional
request), plus special paths that misbehave on purpose:

  /status/NNN            that status (with a short text body)
  /redirect/N?to=PATH    N hops of 302, then PATH
  /redirect-loop         302 to itself, forever
  /moved?to=PATH         301 to PATH            /moved308?to=PATH   308 to PATH
  /gzip/PATH             PATH, gzip-encoded     /br/PATH            brotli (404 without brotli)
  /gzip-bomb             ~110 KB of gzip inflating to 110 MB
  /huge                  an endless body        /stall              accepts, never answers
  /trickle               a byte a second        /slow/MS/PATH       PATH after MS milliseconds
  /retry-after/N         429 with Retry-After: N
  /retry-after-date/N    503 with Retry-After: an HTTP date N seconds ahead
  /cache/N/PATH          PATH with Cache-Control: max-age=N
  /invalid-utf8          an RSS feed declaring UTF-8 with invalid bytes in it
  /not-a-feed            an HTML page
  /count/PATH            PATH, counting the hit under "/PATH"
  /echo-headers          JSON of the request's headers (names lower-cased)
  /hits                  JSON {path: hits} of every request so far (not /hits, /stats)
  /stats                 JSON {"current": N, "max_concurrent": N, "requests": N,
                         "max_concurrent_by_path": {path: N}} (requests in progress at once)
  /reset                 zeroes /hits and /stats

Run:    /usr/bin/python3 tests/httpd.py --port 0 --root DIR [--port-file F] [-q]
        prints the bound port on stdout (and writes it to F); SIGTERM/SIGINT stop it.
Import: srv = httpd.TestServer(root, quiet=True).start(); srv.url("x.xml"); srv.stop()
Each request is logged to stderr as '"GET /path HTTP/1.1" 304 -' unless quiet.
"""
import argparse
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import zlib

try:
    import brotli  # type: ignore
except ImportError:  # brotli is optional: /br/ answers 404 without it
    brotli = None

NOT_A_FEED = (b"<!DOCTYPE html>\n<html><head><title>Not a feed</title></head>\n"
              b"<body><h1>Welcome</h1><p>This is a web page, not a feed.</p></body></html>\n")

INVALID_UTF8 = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<rss version="2.0"><channel><title>Broken \xff\xfe bytes</title>\n'
                b'<link>http://127.0.0.1/</link><description>d\xc3\x28</description>\n'
                b'<item><title>Bad \x80\x81 item</title><link>http://127.0.0.1/a</link>\n'
                b'<guid>bad-1</guid><description>Text \xed\xa0\x80 here.</description></item>\n'
                b'</channel></rss>\n')

BOMB_SIZE = 110 * 1024 * 1024
_bomb = None
_bomb_lock = threading.Lock()


def gzip_bomb():
    """~110 KB of gzip that inflates to BOMB_SIZE zero bytes (built once, in ~0.1 s).

    After a full flush deflate forgets its history, so every further megabyte of zeros
    compresses to the same bytes: compress two, repeat the second."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            mb = bytes(1024 * 1024)
            n = BOMB_SIZE // len(mb)
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            first = co.compress(mb) + co.flush(zlib.Z_FULL_FLUSH)
            rest = co.compress(mb) + co.flush(zlib.Z_FULL_FLUSH)
            end = co.flush(zlib.Z_FINISH)
            crc = 0
            for _ in range(n):
                crc = zlib.crc32(mb, crc)
            _bomb = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + rest * (n - 1) + end
                     + struct.pack("<II", crc & 0xFFFFFFFF, (n * len(mb)) & 0xFFFFFFFF))
        return _bomb


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits = {}
        self.current = 0
        self.max_concurrent = 0
        self.requests = 0
        self.by_path = {}      # path -> [current, max]
        self.stop = threading.Event()

    def reset(self):
        with self.lock:
            self.hits = {}
            self.max_concurrent = self.current
            self.requests = 0
            self.by_path = {k: [v[0], v[0]] for k, v in self.by_path.items() if v[0]}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "claimd-test-httpd/1"

    def version_string(self):
        return self.server_version

    # ---- plumbing ----
    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("%s - - [%s] %s\n" % (self.address_string(),
                                                  self.log_date_time_string(), fmt % args))
            sys.stderr.flush()

    def send_body(self, status, body, ctype="text/plain; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_stream_headers(self, status=200, ctype="application/octet-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def safe_path(self, rel):
        root = os.path.realpath(self.server.root)
        p = os.path.realpath(os.path.join(root, urllib.parse.unquote(rel).lstrip("/")))
        if p != root and not p.startswith(root + os.sep):
            return None
        return p

    @staticmethod
    def ctype_of(path):
        ext = os.path.splitext(path)[1].lower()
        return {".xml": "application/xml", ".rss": "application/rss+xml",
                ".atom": "application/atom+xml", ".json": "application/json",
                ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
                ".txt": "text/plain; charset=utf-8"}.get(ext, "application/octet-stream")

    def serve_file(self, rel, extra=(), encode=None):
        p = self.safe_path(rel)
        if p is None or not os.path.isfile(p):
            return self.send_body(404, b"not found\n")
        with open(p, "rb") as fh:
            data = fh.read()
        st = os.stat(p)
        etag = '"%s"' % hashlib.sha1(data).hexdigest()[:16]
        lm = email.utils.formatdate(int(st.st_mtime), usegmt=True)
        headers = [("ETag", etag), ("Last-Modified", lm)] + list(extra)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        not_modified = False
        if inm is not None:
            not_modified = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        elif ims is not None:
            try:
                t = email.utils.parsedate_to_datetime(ims).timestamp()
                not_modified = int(st.st_mtime) <= t
            except (TypeError, ValueError, IndexError, OverflowError):
                not_modified = False
        if not_modified:
            self.send_response(304)
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            return None
        if encode == "gzip":
            data = gzip.compress(data)
            headers.append(("Content-Encoding", "gzip"))
        elif encode == "br":
            data = brotli.compress(data)
            headers.append(("Content-Encoding", "br"))
        return self.send_body(200, data, self.ctype_of(p), headers)

    def client_gone(self, timeout):
        """Waits up to timeout s; True when the client hung up or the server is stopping."""
        end = time.monotonic() + timeout
        while not self.server.state.stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.connection], [], [], min(left, 0.2))
            if r:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                        return True
                except BlockingIOError:
                    pass
                except OSError:
                    return True
                self.server.state.stop.wait(min(left, 0.05))
        return True

    def stream(self, chunk, delay, limit=None):
        """Writes chunk every delay seconds until the client leaves or the server stops."""
        sent = 0
        try:
            while not self.server.state.stop.is_set() and (limit is None or sent < limit):
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
                if delay and self.client_gone(delay):
                    break
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    # ---- dispatch ----
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        counted = path[len("/count"):] if path.startswith("/count/") else path
        if path not in ("/hits", "/stats", "/reset", "/echo-headers"):
            with st.lock:
                st.hits[counted] = st.hits.get(counted, 0) + 1
                st.requests += 1
                st.current += 1
                st.max_concurrent = max(st.max_concurrent, st.current)
                pc = st.by_path.setdefault(path, [0, 0])
                pc[0] += 1
                pc[1] = max(pc[1], pc[0])
            try:
                self.route(path, query)
            finally:
                with st.lock:
                    st.current -= 1
                    st.by_path[path][0] -= 1
        else:
            self.route(path, query)

    def route(self, path, query):
        st = self.server.state
        parts = path.split("/", 3)  # ['', 'word', 'arg', 'rest']
        head = parts[1] if len(parts) > 1 else ""
        to = query.get("to", ["/"])[0]

        if path == "/echo-headers":
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            return self.send_body(200, body, "application/json")
        if path == "/hits":
            with st.lock:
                body = json.dumps(st.hits, sort_keys=True).encode()
            return self.send_body(200, body, "application/json")
        if path == "/stats":
            with st.lock:
                body = json.dumps({"current": st.current, "max_concurrent": st.max_concurrent,
                                   "requests": st.requests,
                                   "max_concurrent_by_path":
                                       {k: v[1] for k, v in st.by_path.items()}},
                                  sort_keys=True).encode()
            return self.send_body(200, body, "application/json")
        if path == "/reset":
            st.reset()
            return self.send_body(200, b"{}", "application/json")
        if head == "status" and len(parts) > 2 and parts[2].isdigit():
            code = int(parts[2])
            if code == 304 or code < 200:
                self.send_response(code)
                self.end_headers()
                return None
            return self.send_body(code, b"status %d\n" % code)
        if head == "redirect" and len(parts) > 2 and parts[2].isdigit():
            n = int(parts[2])
            if n <= 1:
                loc = to
            else:
                loc = "/redirect/%d?%s" % (n - 1, urllib.parse.urlencode({"to": to}))
            return self.send_body(302, b"", headers=[("Location", loc)])
        if path == "/redirect-loop":
            return self.send_body(302, b"", headers=[("Location", "/redirect-loop")])
        if path == "/moved":  # a cacheable 301, as real ones are
            return self.send_body(301, b"", headers=[("Location", to),
                                                     ("Cache-Control", "max-age=3600")])
        if path == "/moved308":
            return self.send_body(308, b"", headers=[("Location", to)])
        if head == "gzip" and len(parts) > 2:
            return self.serve_file(path[len("/gzip/"):], encode="gzip")
        if head == "br" and len(parts) > 2:
            if brotli is None:
                return self.send_body(404, b"brotli not available\n")
            return self.serve_file(path[len("/br/"):], encode="br")
        if path == "/gzip-bomb":
            return self.send_body(200, gzip_bomb(), "application/xml",
                                  [("Content-Encoding", "gzip")])
        if path == "/huge":
            self.send_stream_headers(200, "application/xml")
            if self.command != "HEAD":
                self.stream(b"x" * 65536, 0)
            return None
        if path == "/stall":
            self.client_gone(600)
            self.close_connection = True
            return None
        if path == "/trickle":
            self.send_stream_headers(200, "application/xml", [("Content-Length", "4096")])
            if self.command != "HEAD":
                self.stream(b"x", 1.0, limit=4096)
            return None
        if head == "retry-after" and len(parts) > 2 and parts[2].isdigit():
            return self.send_body(429, b"slow down\n", headers=[("Retry-After", parts[2])])
        if head == "retry-after-date" and len(parts) > 2 and parts[2].isdigit():
            when = email.utils.formatdate(time.time() + int(parts[2]), usegmt=True)
            return self.send_body(503, b"busy\n", headers=[("Retry-After", when)])
        if head == "cache" and len(parts) > 3 and parts[2].isdigit():
            return self.serve_file(parts[3],
                                   extra=[("Cache-Control", "public, max-age=%s" % parts[2])])
        if path == "/invalid-utf8":
            return self.send_body(200, INVALID_UTF8, "application/rss+xml; charset=utf-8")
        if path == "/not-a-feed":
            return self.send_body(200, NOT_A_FEED, "text/html; charset=utf-8")
        if head == "count" and len(parts) > 2:
            return self.serve_file(path[len("/count/"):])
        if head == "slow" and len(parts) > 3 and parts[2].isdigit():
            if self.client_gone(int(parts[2]) / 1000.0):
                self.close_connection = True
                return None
            return self.serve_file(parts[3])
        return self.serve_file(path)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, root, quiet):
        self.root = root
        self.quiet = quiet
        self.state = State()
        super().__init__(addr, Handler)


class TestServer:
    """Starts the server on 127.0.0.1 in a background thread."""

    def __init__(self, root, port=0, quiet=True, host="127.0.0.1"):
        self.httpd = Server((host, port), str(root), quiet)
        self.port = self.httpd.server_address[1]
        self.base = "http://%s:%d" % (host, self.port)
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path):
        return self.base + "/" + path.lstrip("/")

    def hits(self):
        with self.httpd.state.lock:
            return dict(self.httpd.state.hits)

    def stop(self):
        self.httpd.state.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread:
            self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    ap = argparse.ArgumentParser(description="claimd's local test HTTP server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--root", default=".")
    ap.add_argument("--port-file")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    srv = TestServer(a.root, a.port, a.quiet, a.host)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    srv.start()
    print(srv.port, flush=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("%d\n" % srv.port)
        os.rename(tmp, a.port_file)
    while not done.wait(0.5):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
