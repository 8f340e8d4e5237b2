"""Small real media files (made here, not downloaded) and a loopback static server for them."""

from __future__ import annotations

import functools
import http.server
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def webp_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 20)).save(out, format="WEBP")
    return out.getvalue()


#: The first boxes of real containers: enough for the type, which is all the sandbox reads.
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 200
MOV_HEAD = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 200
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81" + b"\x00" * 200


def write_samples(folder: Path) -> dict[str, bytes]:
    files = {
        "photo.jpg": jpeg_bytes(),
        "image.png": png_bytes(),
        "image.webp": webp_bytes(),
        "clip.mp4": MP4_HEAD,
        "clip.mov": MOV_HEAD,
        "clip.webm": WEBM_HEAD,
        "notes.txt": b"Not a picture, just some words for the sandbox to refuse." * 4,
        "disguised.jpg": b"<html><body>a page that shows a photo</body></html>" * 4,
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return files


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serves `folder` on 127.0.0.1:<free port>; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
