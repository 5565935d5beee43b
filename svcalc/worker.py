"""The gunicorn worker svcalc runs in (``worker_class`` in gunicorn.conf.py).

gunicorn's sync worker, with four things an operator needs that it does not do by itself:

* **Its own error answers are problem+json.** gunicorn answers a request it cannot parse (a
  request line over ``limit_request_line``: 414; too many or too long header fields: 431; a
  malformed request: 400) before svcalc sees it, with a small HTML page. Here that page is an
  RFC 9457 problem document like every other svcalc error. gunicorn has no setting for it; its
  one writer of those pages is ``gunicorn.util.write_error``, which this worker replaces in its
  own process.
* **SIGTERM drains the queue.** On SIGTERM gunicorn lets each worker finish the request it is
  serving, then exits; connections already accepted by the kernel but not yet by a worker were
  reset when the listening socket closed. This worker, once its current request is done,
  accepts and serves every connection still queued (until the queue is empty or 80% of
  ``graceful_timeout`` has passed) before it exits.
* **An answer leaves in one piece.** gunicorn writes a response's head and its body with two
  separate sends; a worker that dies between them (killed, or out of memory) leaves nginx with a
  head and no body, too late to pass the request to another worker. Here the head waits for the
  first body bytes and both leave in one ``sendmsg`` (:class:`OnePieceSocket`): a worker that
  dies before it has answered has sent nothing, and nginx passes the request on
  (deploy/nginx.conf, ``proxy_next_upstream``).
* **Memory stays bounded.** After each request the worker reads its resident memory; above
  ``SVCALC_MAX_WORKER_RSS_MIB`` it finishes that request and exits, and the arbiter starts a
  fresh one (as for ``max_requests``): numpy and the allocator keep what a heavy request once
  needed, and this hands it back.
"""

from __future__ import annotations

import errno
import json
import os
import time
from typing import Any

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

#: Resident memory (MiB) above which a worker is replaced after its request; 0: never.
MAX_RSS_ENV = "SVCALC_MAX_WORKER_RSS_MIB"
DEFAULT_MAX_RSS_MIB = 200


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error answer (same signature as ``gunicorn.util.write_error``) as problem+json.

    >>> class Sock:
    ...     sent = b""
    ...     def gettimeout(self): return 0.0
    ...     def sendall(self, data): Sock.sent += data
    >>> write_problem(Sock(), 414, "URI Too Long", "Request Line is too large (5014 > 4094)")
    >>> head, body = Sock.sent.split(b"\\r\\n\\r\\n")
    >>> head.splitlines()[:3]
    [b'HTTP/1.1 414 URI Too Long', b'Connection: close', b'Content-Type: application/problem+json']
    >>> json.loads(body)["detail"]
    'Request Line is too large (5014 > 4094)'
    """
    body = json.dumps({
        "type": "about:blank",
        "title": reason,
        "status": status_int,
        "detail": mesg or "The server could not complete the request.",
        "instance": "/",  # the request was not read far enough to know its path
    }).encode()  # ASCII: json.dumps escapes whatever the client sent
    head = (f"HTTP/1.1 {status_int} {reason}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def rss_mib() -> float:
    """This process's resident memory in MiB (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0.0


class OnePieceSocket:
    """A client socket whose first write (a response's head) is held back and sent together
    with the next one (its first body bytes) in one ``sendmsg``; anything else is the socket's.

    >>> import socket
    >>> a, b = socket.socketpair()
    >>> wire = OnePieceSocket(a)
    >>> wire.sendall(b"HTTP/1.1 200 OK\\r\\n\\r\\n"); b.setblocking(False)
    >>> b.recv(100)  # nothing yet: the head waits for its body
    Traceback (most recent call last):
    BlockingIOError: [Errno 11] Resource temporarily unavailable
    >>> wire.sendall(b"body"); b.recv(100)
    b'HTTP/1.1 200 OK\\r\\n\\r\\nbody'
    >>> a.close(); b.close()
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._head: bytes | None = None  # None: nothing written yet; b"": the head is out

    def sendall(self, data: Any) -> None:
        if self._head is None:
            self._head = bytes(data)
            return
        head, self._head = self._head, b""
        if not head:
            self._sock.sendall(data)
            return
        body = memoryview(data)
        sent = self._sock.sendmsg([head, body])
        if sent < len(head):
            self._sock.sendall(head[sent:])
            self._sock.sendall(body)
        else:
            self._sock.sendall(body[sent - len(head):])

    def flush(self) -> None:
        """Send a head still held (a response without a body)."""
        head, self._head = self._head, b""
        if head:
            self._sock.sendall(head)

    def sendfile(self, *args: Any, **kwargs: Any) -> Any:
        self.flush()
        return self._sock.sendfile(*args, **kwargs)

    def shutdown(self, how: int) -> None:
        self.flush()
        self._sock.shutdown(how)

    def close(self) -> None:
        self.flush()
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Worker(SyncWorker):
    """gunicorn's sync worker, with problem+json errors, a drained queue and bounded memory."""

    draining = False

    def init_process(self) -> None:
        util.write_error = write_problem  # this process only: gunicorn's error pages
        self.max_rss_mib = float(os.environ.get(MAX_RSS_ENV) or DEFAULT_MAX_RSS_MIB)
        super().init_process()

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.draining = True  # SIGTERM: finish, then serve what is queued (run)
        super().handle_exit(sig, frame)

    def run(self) -> None:
        super().run()
        if self.draining:
            self.drain()

    def drain(self) -> None:
        """Serve the connections already queued on the listening sockets, then return."""
        deadline = time.monotonic() + 0.8 * self.cfg.graceful_timeout
        served = 0
        for listener in self.sockets:
            listener.setblocking(False)
            while time.monotonic() < deadline:
                self.notify()
                try:
                    self.accept(listener)
                except OSError as error:
                    if error.errno == errno.ECONNABORTED:
                        continue
                    break  # EAGAIN: the queue is empty (or the socket is gone)
                served += 1
        if served:
            self.log.info("Served %d queued connection(s) before exiting", served)

    def handle_request(self, listener: Any, req: Any, client: Any, addr: Any) -> None:
        # (gunicorn's own TLS socket has no sendmsg; behind the proxy TLS ends at nginx.)
        wire = client if self.cfg.is_ssl else OnePieceSocket(client)
        try:
            super().handle_request(listener, req, wire, addr)
        finally:
            if isinstance(wire, OnePieceSocket):
                wire.flush()
            if self.max_rss_mib > 0 and self.alive:
                rss = rss_mib()
                if rss > self.max_rss_mib:
                    self.log.info("Worker uses %.0f MiB (above %s=%g): replacing it after "
                                  "this request", rss, MAX_RSS_ENV, self.max_rss_mib)
                    self.alive = False
