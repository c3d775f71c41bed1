"""A stand-in for the X-Ray daemon: a UDP socket collecting the documents the SDK emits.

In Lambda mode the SDK streams each closed subsegment as one datagram:
``{"format":"json","version":1}\\n`` + the subsegment's JSON.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from typing import Any

HEADER = '{"format":"json","version":1}'


class XRayListener:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._socket.bind((host, port))  # port 0: any free port
        except OSError:
            self._socket.close()
            raise
        self._socket.setblocking(False)
        # Room for the segments that arrive between two reads (the kernel caps it at net.core.rmem_max).
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self._datagrams: list[bytes] = []  # parsed when asked for: the daemon's work stays off the benchmark
        self._lock = threading.Lock()
        self._running = False
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def start(self) -> XRayListener:
        self._running = True
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()
        return self

    def _receive(self) -> None:
        # Reads in batches on a fixed beat, not on every datagram: the benchmark's parent process measures
        # invocations, and a thread woken by each segment would compete with that measurement for the GIL.
        while self._running:
            time.sleep(0.05)
            batch = []
            while True:
                try:
                    batch.append(self._socket.recv(65535))
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    return
            with self._lock:
                self._datagrams.extend(batch)

    def _parsed(self) -> tuple[list[dict[str, Any]], list[bytes]]:
        with self._lock:
            datagrams = list(self._datagrams)
        documents: list[dict[str, Any]] = []
        bad: list[bytes] = []
        for data in datagrams:
            try:
                documents.extend(self.decode(data))
            except ValueError:
                bad.append(data)
        return documents, bad

    def decode(self, data: bytes) -> list[dict[str, Any]]:
        """The documents of one datagram; ValueError if it is not one this daemon takes."""
        header, _, body = data.decode("utf-8", "replace").partition("\n")
        if json.loads(header) != json.loads(HEADER):
            raise ValueError(header)
        return [json.loads(body)]

    def receive(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The documents of the next ``count`` datagrams, read here and now (for a listener that was not
        ``start()``-ed): no polling beat to wait for. ValueError if one is not a datagram this daemon takes."""
        documents: list[dict[str, Any]] = []
        for received in range(count):
            if not select.select([self._socket], [], [], timeout)[0]:
                raise TimeoutError(f"{received} of {count} datagrams within {timeout} s")
            documents.extend(self.decode(self._socket.recv(65535)))
        return documents

    @property
    def bad_datagrams(self) -> list[bytes]:
        """Datagrams that are not the daemon protocol's header line + one JSON document."""
        return self._parsed()[1]

    def documents(self, trace_id: str | None = None, settle: float = 0.2) -> list[dict[str, Any]]:
        """Documents received so far (for ``trace_id`` if given), after ``settle`` s for stragglers."""
        time.sleep(settle)
        return [d for d in self._parsed()[0] if trace_id is None or d.get("trace_id") == trace_id]

    def stop(self) -> None:
        self._running = False
        if self._thread:
            self._thread.join()
        self._socket.close()

    def __enter__(self) -> XRayListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def flatten(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every subsegment, whether sent on its own or nested inside a parent's ``subsegments``."""
    out: list[dict[str, Any]] = []

    def walk(doc: dict[str, Any], parent_id: str | None) -> None:
        doc = dict(doc, parent_id=doc.get("parent_id", parent_id))
        out.append(doc)
        for child in doc.get("subsegments", []):
            walk(child, doc["id"])

    for document in documents:
        walk(document, None)
    unique = {d["id"]: d for d in out}
    return sorted(unique.values(), key=lambda d: d.get("start_time", 0))


def render_tree(documents: list[dict[str, Any]]) -> list[str]:
    """Indented lines: name, duration, annotations, AWS operation."""
    nodes = flatten(documents)
    ids = {n["id"] for n in nodes}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for node in nodes:
        parent = node["parent_id"] if node["parent_id"] in ids else None
        children.setdefault(parent, []).append(node)
    lines: list[str] = []

    def show(node: dict[str, Any], depth: int) -> None:
        duration = (node.get("end_time", 0) - node.get("start_time", 0)) * 1000
        extra = []
        if node.get("annotations"):
            extra.append(f"annotations={node['annotations']}")
        if node.get("metadata"):
            extra.append(f"metadata keys={sorted(k for ns in node['metadata'].values() for k in ns)}")
        if node.get("aws", {}).get("operation"):
            extra.append(f"operation={node['aws']['operation']}")
        if node.get("fault") or node.get("error"):
            extra.append("FAULT" if node.get("fault") else "ERROR")
        lines.append(f"{'  ' * depth}{node['name']:<{24 - 2 * depth}} {duration:7.1f} ms  {' '.join(extra)}")
        for child in children.get(node["id"], []):
            show(child, depth + 1)

    for root in children.get(None, []):
        show(root, 0)
    return lines
