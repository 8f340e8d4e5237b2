"""What a media file really is: the I/O edge of the media rules.

The type comes from the file's first bytes (magic numbers), never from its name: a GIF named
`.jpg` is "unknown", as the Status 200 API (which also sniffs content) would refuse it. Images
are sized with Pillow without decoding them in full; video duration and size come from
hachoir, which reads container headers in pure Python. Nothing here raises for a bad file:
whatever goes wrong becomes a sentence in `MediaInfo.error`, for a diagnostic to quote.

A `MediaProbe` inspects each file once (cache key: absolute path, size, mtime), however many
posts use it, which is what keeps validating 100,000 posts fast:

    >>> probe = MediaProbe()
    >>> info = probe.probe("schedules/media/winter-hero.jpg")
    >>> (info.kind, info.mime, info.width, info.height)
    ('image', 'image/jpeg', 1080, 1080)
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import struct
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO, Literal

from PIL import Image, UnidentifiedImageError

from pipeline.fileaccess import FileRefused, open_regular


def _hachoir() -> tuple[Any, Any]:
    """hachoir's `createParser` and `extractMetadata`, imported at the first video: loading
    its parsers takes about 0.1 s that a run without a local video (a no-op publish, URLs)
    need not pay. hachoir prints its parse warnings (and errors) to stderr by default; a
    validator's output must stay ours. Both switches are hachoir's own, process-wide."""
    from hachoir.core import config as hachoir_config
    from hachoir.core.log import log as hachoir_log
    from hachoir.metadata import extractMetadata
    from hachoir.parser import createParser

    hachoir_config.quiet = True
    hachoir_log.use_print = False
    return createParser, extractMetadata


Kind = Literal["image", "video", "unknown"]
CHUNK = 1 << 20  # sha256 reads 1 MiB at a time: constant memory for 5 GB videos
_MAX_DRAFT_PIXELS = 100_000_000  # beyond this a JPEG is not even decoded at 1/8 scale
HEAD = 4096  # enough for every signature we know, including an EBML header
#: hachoir reads a real video's header in a few hundred reads (the samples under
#: schedules/media: 42 to 169); a crafted MP4 of 500,000 empty boxes takes a million, and 30 s.
#: Past this many reads the probe stops, and the file is E313 media-unreadable.
MAX_HEADER_READS = 20_000


@dataclass(frozen=True, slots=True)
class MediaInfo:
    path: str
    exists: bool
    kind: Kind
    mime: str | None  # image/jpeg, image/png, image/webp, video/mp4, video/quicktime, video/webm
    size_bytes: int | None
    width: int | None
    height: int | None
    duration_s: float | None  # videos
    sha256: str | None
    error: str | None  # why it could not be read, as a sentence; None when all went well


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: Literal["image", "video"]
    mime: str


JPEG = Sniffed("image", "image/jpeg")
PNG = Sniffed("image", "image/png")
WEBP = Sniffed("image", "image/webp")
MP4 = Sniffed("video", "video/mp4")
MOV = Sniffed("video", "video/quicktime")
WEBM = Sniffed("video", "video/webm")

#: ISO base media brands of MP4 video (ISO 14496-12/14, Apple M4V, DASH, camera makers).
MP4_BRANDS = frozenset(
    brand.replace(b"_", b" ")  # brands are four bytes; "_" stands for a trailing space here
    for brand in b"isom iso2 iso3 iso4 iso5 iso6 iso7 iso8 iso9 mp41 mp42 mp71 avc1 M4V_ M4VH "
    b"M4VP dash msnv mmp4 XAVC f4v_ NDAS".split()
)
#: Same box format, but audio or still images (HEIC, AVIF): not a video the API imports.
NOT_VIDEO_BRANDS = frozenset(
    brand.replace(b"_", b" ")
    for brand in b"M4A_ M4B_ M4P_ heic heix mif1 msf1 avif avis crx_".split()
)
#: Old QuickTime files start with one of these atoms instead of `ftyp`.
QUICKTIME_ATOMS = frozenset([b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"])


def sniff(head: bytes) -> Sniffed | None:
    """The media type the first bytes of a file announce, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return _ftyp(head)
    if head[4:8] in QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") not in range(2, 8):
        return MOV  # a box size of 0 (to the end) or 1 (64-bit size follows) is legal too
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if _ebml_doctype(head) == b"webm" else None  # "matroska" is MKV: no
    return None


def _ftyp(head: bytes) -> Sniffed | None:
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if major == b"qt  ":
        return MOV
    if major in NOT_VIDEO_BRANDS:
        return None
    if major in MP4_BRANDS or compatible & MP4_BRANDS:
        return MP4
    return MOV if b"qt  " in compatible else None


def _vint(data: bytes, pos: int, keep_marker: bool = False) -> tuple[int, int]:
    """An EBML variable-length integer at `pos`: (value, length); (-1, 0) if malformed."""
    if pos >= len(data) or data[pos] == 0:
        return -1, 0
    length = 9 - data[pos].bit_length()
    if pos + length > len(data):
        return -1, 0
    value = int.from_bytes(data[pos : pos + length], "big")
    return (value if keep_marker else value & ((1 << (7 * length)) - 1)), length


def _ebml_doctype(head: bytes) -> bytes | None:
    size, n = _vint(head, 4)
    pos, end = 4 + n, 4 + n + size
    while n and pos < min(end, len(head)):
        element, n = _vint(head, pos, keep_marker=True)
        length, m = _vint(head, pos + n)
        if not n or not m:
            return None
        pos += n + m
        if element == 0x4282:  # DocType
            return head[pos : pos + length].rstrip(b"\0")
        pos += length
    return None


def container_problem(absolute: str, found: Sniffed, size: int) -> str | None:
    """Why the container is cut short, from its own length fields (cheap seeks, no parsing of
    the media data); None when it looks whole. Pillow checks JPEG and PNG itself."""
    try:
        with open(absolute, "rb") as file:
            if found in (MP4, MOV):
                return _boxes_problem(file, size)
            if found is WEBM:
                return _segment_problem(file, size)
            if found is WEBP:
                file.seek(4)
                declared = struct.unpack("<I", file.read(4))[0] + 8
                return _short(declared, size) if declared > size else None
    except (OSError, struct.error) as exc:
        return f"the file cannot be read ({_reason(exc)})"
    return None


def _boxes_problem(file: BinaryIO, size: int) -> str | None:
    offset = 0
    for _ in range(100_000):  # top-level boxes; real files have a handful
        if offset >= size:
            return None
        file.seek(offset)
        header = file.read(16)
        if len(header) < 8:
            return _short(offset + 8, size)
        length, name = struct.unpack(">I4s", header[:8])
        if length == 1:
            if len(header) < 16:
                return _short(offset + 16, size)
            length = struct.unpack(">Q", header[8:16])[0]
        elif length == 0:
            return None  # "extends to the end of the file"
        if length < 8:
            return f"the file is corrupt: a box at byte {offset:,} declares {length} bytes"
        if offset + length > size:
            if not (name.isascii() and name.decode("ascii").isprintable()):
                return f"the file is corrupt: a box at byte {offset:,} runs past the end"
            return _short(offset + length, size, f"its '{name.decode('ascii')}' box")
        offset += length
    return None


def _segment_problem(file: BinaryIO, size: int) -> str | None:
    head = file.read(HEAD)
    header_size, n = _vint(head, 4)
    pos = 4 + n + header_size
    element, n = _vint(head, pos, keep_marker=True)
    length, m = _vint(head, pos + n)
    if element != 0x18538067 or not m:  # Segment
        return "the file is corrupt: no Segment follows the WebM header"
    if length == (1 << (7 * m)) - 1:
        return None  # "unknown size" (live recordings): nothing to compare
    end = pos + n + m + length
    return _short(end, size, "its Segment") if end > size else None


def _short(needed: int, size: int, where: str = "its header") -> str:
    """The sentence for a file cut short (a failed upload or copy, usually)."""
    return f"the file is truncated: {where} needs {needed:,} bytes but the file has {size:,}"


def _unreadable(path: str, exists: bool, error: str, size: int | None = None) -> MediaInfo:
    return MediaInfo(path, exists, "unknown", None, size, None, None, None, None, error)


class MediaProbe:
    """Inspects each file once per instance, however many posts use it (cache by absolute path
    + size + mtime, so a file changed in between is inspected again)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], MediaInfo] = {}
        #: How many files were actually opened and inspected (tests and the benchmark read it).
        self.probes = 0

    def probe(self, path: str) -> MediaInfo:
        try:
            absolute = os.path.abspath(path)
            st = os.stat(absolute)
        except FileNotFoundError:
            return _unreadable(path, False, "the file does not exist")
        except NotADirectoryError:
            return _unreadable(path, False, "a folder on the way to the file is a file")
        except (OSError, ValueError) as exc:  # permission on a parent folder, NUL in the name
            # It may well exist: say why it cannot be read rather than call it missing.
            return _unreadable(path, True, f"the file cannot be looked up ({_reason(exc)})")
        if stat.S_ISDIR(st.st_mode):
            return _unreadable(path, True, "this is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            return _unreadable(path, True, "this is not a regular file (a device, pipe or socket)")
        key = (absolute, st.st_size, st.st_mtime_ns)
        cached = self._cache.get(key)
        if cached is not None:
            return cached if cached.path == path else dataclasses.replace(cached, path=path)
        self.probes += 1
        info = _inspect(path, absolute, st.st_size)
        self._cache[key] = info
        return info


def _inspect(path: str, absolute: str, size: int) -> MediaInfo:
    try:
        with open_regular(absolute) as file:  # the one way into files (pipeline/fileaccess.py)
            head = file.read(HEAD)
            digest = hashlib.sha256(head)
            while chunk := file.read(CHUNK):
                digest.update(chunk)
    except FileRefused as refused:  # swapped for a FIFO or device since the stat
        return _unreadable(path, True, refused.message, size)
    except OSError as exc:
        return _unreadable(path, True, f"the file cannot be read ({_reason(exc)})", size)
    base = MediaInfo(path, True, "unknown", None, size, None, None, None, digest.hexdigest(), None)
    if not head:
        return dataclasses.replace(base, error="the file is empty")
    found = sniff(head)
    if found is None:
        return base
    base = dataclasses.replace(base, kind=found.kind, mime=found.mime)
    problem = container_problem(absolute, found, size)
    info = _image(base, absolute, found) if found.kind == "image" else _video(base, absolute)
    if problem is not None:  # the root cause, more telling than what the parser tripped on
        info = dataclasses.replace(info, error=problem)
    return info


def _image(base: MediaInfo, absolute: str, found: Sniffed) -> MediaInfo:
    try:
        with warnings.catch_warnings():
            # Image.open only reads the header, so a huge image is no bomb for us; the size
            # rules report it. Under pytest's warnings-as-errors this warning would raise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(absolute) as image:
                width, height = image.size
                if found.mime == "image/jpeg" and width * height <= _MAX_DRAFT_PIXELS:
                    # A JPEG cut short still has its header; decoding at 1/8 scale (cheap)
                    # is how to notice. Data after the end marker (motion photos) is fine.
                    image.draft("RGB", (max(width // 8, 1), max(height // 8, 1)))
                    image.load()
                elif found.mime == "image/png":
                    image.verify()  # chunk CRCs and the end chunk, without decompressing
    except Image.DecompressionBombError:
        return dataclasses.replace(base, error="the image has too many pixels to open safely")
    except Exception as exc:  # Pillow signals bad data with many exception types
        return dataclasses.replace(base, error=f"the {_format(found)} is corrupt ({_reason(exc)})")
    return dataclasses.replace(base, width=width, height=height)


class _ReadBudgetSpent(Exception):
    """Raised by every read past the budget (hachoir swallows some exceptions: all fail)."""


class _CountedReads:
    """The file object hachoir reads through: counts reads and refuses any past `budget`, so
    the time a crafted header costs is bounded by a count, whatever its structure."""

    def __init__(self, file: BinaryIO, budget: int) -> None:
        self._file, self.budget, self.reads = file, budget, 0
        self.name = getattr(file, "name", "")

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads > self.budget:
            raise _ReadBudgetSpent
        return self._file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        """hachoir closes what it opened; the `with` in _video closes the real file."""


def _video(base: MediaInfo, absolute: str) -> MediaInfo:
    too_complex = dataclasses.replace(
        base,
        error=f"the video's header is too complex to read: the probe stopped after "
        f"{MAX_HEADER_READS:,} reads (real videos need a few hundred)",
    )
    try:
        createParser, extractMetadata = _hachoir()  # noqa: N806 (hachoir's own names)
        # Our own file object, so it is closed whatever hachoir raises, and when.
        with open(absolute, "rb") as file:
            stream = _CountedReads(file, MAX_HEADER_READS)
            parser = createParser(stream, absolute)
            metadata = extractMetadata(parser) if parser is not None else None
        if stream.reads > stream.budget:  # hachoir caught _ReadBudgetSpent and went on
            return too_complex
        if parser is None:
            return dataclasses.replace(base, error="the video's container cannot be parsed")
        if metadata is None:
            return base
        duration = _first(metadata, "duration")
        width, height = _first(metadata, "width"), _first(metadata, "height")
    except _ReadBudgetSpent:
        return too_complex
    except Exception as exc:  # hachoir raises anything at all on broken input
        return dataclasses.replace(base, error=f"the video's header is broken ({_reason(exc)})")
    return dataclasses.replace(
        base,
        duration_s=duration.total_seconds() if isinstance(duration, timedelta) else None,
        width=width if isinstance(width, int) else None,
        height=height if isinstance(height, int) else None,
    )


def _first(metadata: Any, key: str) -> object:
    """A value from hachoir's metadata or, for Matroska/WebM, from its first stream group."""
    groups = [metadata, *(metadata.iterGroups() if hasattr(metadata, "iterGroups") else ())]
    for group in groups:
        if group.has(key):
            return group.get(key)
    return None


def _format(found: Sniffed) -> str:
    return {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}.get(found.mime, "file")


def _reason(exc: BaseException) -> str:
    """A short, path-free reason for a sentence (the diagnostic names the file already)."""
    if isinstance(exc, UnidentifiedImageError):
        return "Pillow cannot read it as an image"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc).strip().rstrip(".")
    return text[:200] if text else type(exc).__name__
