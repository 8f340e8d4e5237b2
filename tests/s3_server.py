"""A real S3-protocol server for a test: moto's server on 127.0.0.1 and a free port.

    with running_s3() as s3:
        s3.create_bucket("acme-media")
        ...                                  # the pipeline talks to s3.url over a socket
        assert s3.calls["PutObject"] == 1    # what reached the server, by S3 operation

It is moto's own WSGI application (the one `moto_server` serves) behind werkzeug's threaded
server, with a thin counter in front, so the tests see every request as S3 would. No boto3 is
mocked: the pipeline's boto3 client sends real HTTP. `CuttingProxy` sits between the two and
cuts an upload midway, as a dropped connection would.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.config import Config

#: Fake credentials, set in the environment by the fixtures that use the server (only there).
ACCESS_KEY = "AKIATESTMEDIASTORE01"
SECRET_KEY = "moto-secret-key-never-in-the-ledger-0123456789"
REGION = "us-east-1"


def operation(method: str, path: str, query: str) -> str:
    """The S3 operation of a path-style request (what the tests count)."""
    params = parse_qs(query, keep_blank_values=True)
    on_object = path.strip("/").count("/") >= 1
    if method == "HEAD":
        return "HeadObject" if on_object else "HeadBucket"
    if method == "GET":
        return "GetObject" if on_object else "ListObjects"
    if method == "PUT":
        if "uploadId" in params:
            return "UploadPart"
        return "PutObject" if on_object else "CreateBucket"
    if method == "POST":
        if "uploads" in params:
            return "CreateMultipartUpload"
        if "uploadId" in params:
            return "CompleteMultipartUpload"
    if method == "DELETE" and "uploadId" in params:
        return "AbortMultipartUpload"
    return f"{method} {path}"


class _Counting:
    def __init__(self, app: Callable[..., Any], calls: Counter[str], lock: threading.Lock) -> None:
        self.app, self.calls, self.lock = app, calls, lock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/moto-api"):
            name = operation(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""))
            with self.lock:
                self.calls[name] += 1
        return self.app(environ, start_response)


@dataclass
class S3Server:
    url: str
    calls: Counter[str] = field(default_factory=Counter)

    def client(self) -> Any:
        return boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
        ).client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str) -> dict[str, int]:
        """Every object in the bucket: key -> size."""
        listed = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"]: o["Size"] for o in listed}

    def uploads_in_progress(self, bucket: str) -> int:
        return len(self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []))

    def deny_writes(self, bucket: str) -> None:
        """A bucket policy that refuses PutObject to everyone (moto enforces it: 403)."""
        import json

        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


@contextmanager
def running_s3() -> Iterator[S3Server]:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    calls: Counter[str] = Counter()
    app = _Counting(DomainDispatcherApplication(create_backend_app), calls, threading.Lock())
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto-s3", daemon=True)
    thread.start()
    handle = S3Server(f"http://127.0.0.1:{server.server_port}", calls)
    try:
        yield handle
    finally:
        # moto keeps its buckets per process: leave none behind for the next test.
        import httpx

        httpx.post(f"{handle.url}/moto-api/reset", timeout=10)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 in front of `target`: a connection whose request is an upload
    (PUT) is cut after `cut_after` bytes of it while `cuts` remain, as a dropped network would;
    everything else passes through."""

    def __init__(
        self, target: str, *, cut_after: int = 0, cuts: int = 0, refuse_gets: bool = False
    ) -> None:
        """`refuse_gets`: answer every GET 403 AccessDenied, as S3 answers a presigned URL that
        has expired (uploads and HEADs still pass)."""
        host, _, port = target.removeprefix("http://").partition(":")
        self.target = (host, int(port))
        self.cut_after, self.cuts_left = cut_after, cuts
        self.refuse_gets = refuse_gets
        self.cut = self.refused = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _take_cut(self) -> bool:
        with self._lock:
            if self.cuts_left <= 0:
                return False
            self.cuts_left -= 1
            self.cut += 1
            return True

    def _serve(self, conn: socket.socket) -> None:
        upstream = socket.create_connection(self.target, timeout=30)
        back = threading.Thread(target=_pump, args=(upstream, conn), daemon=True)
        back.start()
        sent, cutting = 0, False
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                if self.refuse_gets and data.startswith(b"GET "):
                    with self._lock:
                        self.refused += 1
                    conn.sendall(_DENIED)
                    break
                if not cutting and data.startswith(_METHODS):  # a request begins (keep-alive)
                    sent = 0
                    cutting = data.startswith(b"PUT ") and self._take_cut()
                if cutting and sent + len(data) >= self.cut_after:
                    upstream.sendall(data[: max(0, self.cut_after - sent)])
                    break  # the connection drops mid-body
                upstream.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for sock in (conn, upstream):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._accepting.join(timeout=5)


_METHODS = (b"GET ", b"HEAD ", b"PUT ", b"POST ", b"DELETE ")
_DENIED_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)
_DENIED = (
    b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nConnection: close\r\n"
    + f"Content-Length: {len(_DENIED_BODY)}\r\n\r\n".encode()
    + _DENIED_BODY
)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                return
            sink.sendall(data)
    except OSError:
        return


def aws_env(monkeypatch: Any, extra: Iterable[tuple[str, str]] = ()) -> None:
    """The fake credentials in the environment, and nothing of the machine's AWS setup."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in extra:
        monkeypatch.setenv(name, value)
