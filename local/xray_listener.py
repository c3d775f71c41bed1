"""A stand-in for the X-Ray daemon: a UDP socket collecting the documents the SDK emits.

In Lambda mode the SDK streams each closed subsegment as one datagram:
``{"format":"json","version":1}\\n`` + the subsegment's JSON.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

HEADER = '{"format":"json","version":1}'


class XRayListener:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, 0))
        self._socket.settimeout(0.2)
        self._documents: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._running = False
        self._thread: threading.Thread | None = None
        self.bad_datagrams: list[bytes] = []

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
        while self._running:
            try:
                data = self._socket.recv(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                documents = self.decode(data)
            except ValueError:
                self.bad_datagrams.append(data)
                continue
            with self._lock:
                self._documents.extend(documents)

    def decode(self, data: bytes) -> list[dict[str, Any]]:
        """The documents of one datagram; ValueError if it is not one this daemon takes."""
        header, _, body = data.decode("utf-8").partition("\n")
        if json.loads(header) != json.loads(HEADER):
            raise ValueError(header)
        return [json.loads(body)]

    def documents(self, trace_id: str | None = None, settle: float = 0.2) -> list[dict[str, Any]]:
        """Documents received so far (for ``trace_id`` if given), after ``settle`` s for stragglers."""
        time.sleep(settle)
        with self._lock:
            docs = list(self._documents)
        return [d for d in docs if trace_id is None or d.get("trace_id") == trace_id]

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
