"""MediaProbe on real files: the committed samples, images Pillow writes here, and broken ones."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.validate import probe as media_probe
from pipeline.validate.probe import MediaInfo, MediaProbe, sniff

MEDIA = Path(__file__).resolve().parents[1] / "demo" / "schedules" / "media"
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def make_image(path: Path, size: tuple[int, int], fmt: str) -> Path:
    Image.new("RGB", size, (200, 80, 40)).save(path, fmt)
    return path


def truncate(source: Path, target: Path, fraction: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


# --- the committed samples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "mime", "width", "height", "duration"),
    [
        ("winter-hero.jpg", "image", "image/jpeg", 1080, 1080, None),
        ("tips.jpg", "image", "image/jpeg", 1080, 1350, None),
        ("gift-guide.png", "image", "image/png", 1000, 1500, None),
        ("behind-the-scenes.mp4", "video", "video/mp4", 720, 1280, 5.0),
        ("lookbook.mp4", "video", "video/mp4", 1280, 720, 8.0),
        ("teaser.mov", "video", "video/quicktime", 720, 1280, 3.0),
        ("snowfall.webm", "video", "video/webm", 640, 360, 3.0),
    ],
)
def test_committed_samples(name, kind, mime, width, height, duration) -> None:
    path = MEDIA / name
    info = MediaProbe().probe(str(path))
    assert (info.exists, info.kind, info.mime, info.error) == (True, kind, mime, None)
    assert (info.width, info.height) == (width, height)
    if duration is None:
        assert info.duration_s is None
    else:
        assert info.duration_s == pytest.approx(duration, abs=0.05)
    assert info.size_bytes == path.stat().st_size
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_samples_stay_small() -> None:
    """Example media live in git: images under 200 KB, clips under 500 KB."""
    for path in MEDIA.iterdir():
        limit = 500_000 if path.suffix in (".mp4", ".mov", ".webm") else 200_000
        assert path.stat().st_size < limit, path.name


# --- type by content, never by name ------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(sorted(FORMATS)),
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    suffix=st.sampled_from([".jpg", ".png", ".webp", ".mp4", ".txt", ""]),
)
def test_images_are_recognised_by_content(fmt, width, height, suffix) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = make_image(Path(folder) / f"image{suffix}", (width, height), fmt)
        info = MediaProbe().probe(str(path))
    assert (info.kind, info.mime) == ("image", FORMATS[fmt])
    assert (info.width, info.height, info.error) == (width, height, None)


def test_a_video_named_jpg_is_a_video(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    shutil.copy(MEDIA / "behind-the-scenes.mp4", path)
    info = MediaProbe().probe(str(path))
    assert (info.kind, info.mime, info.error) == ("video", "video/mp4", None)
    assert info.duration_s == pytest.approx(5.0, abs=0.05)


@pytest.mark.parametrize("fmt", ["GIF", "PDF", "BMP", "TIFF"])
def test_unsupported_images_are_unknown(tmp_path: Path, fmt: str) -> None:
    path = make_image(tmp_path / "disguised.jpg", (64, 48), fmt)
    info = MediaProbe().probe(str(path))
    assert (info.exists, info.kind, info.mime, info.error) == (True, "unknown", None, None)
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_text_named_jpg_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("not a picture\n", encoding="utf-8")
    info = MediaProbe().probe(str(path))
    assert (info.kind, info.mime, info.width, info.error) == ("unknown", None, None, None)


def test_quicktime_without_ftyp_is_mov(tmp_path: Path) -> None:
    """Old QuickTime files start with their `moov` atom: the MP4 sample minus its ftyp box."""
    data = (MEDIA / "behind-the-scenes.mp4").read_bytes()
    ftyp_size = int.from_bytes(data[:4], "big")
    path = tmp_path / "old.mp4"
    path.write_bytes(data[ftyp_size:])
    info = MediaProbe().probe(str(path))
    assert (info.kind, info.mime, info.error) == ("video", "video/quicktime", None)
    assert info.duration_s == pytest.approx(5.0, abs=0.05)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\0\0\0\0" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body


def ebml_header(doctype: bytes) -> bytes:
    elements = b"\x42\x86\x81\x01" + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(elements)]) + elements


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (ftyp(b"isom", b"isom", b"avc1"), "video/mp4"),
        (ftyp(b"XYZ1", b"mp42"), "video/mp4"),  # unknown major brand, MP4-compatible
        (ftyp(b"qt  ", b"qt  "), "video/quicktime"),
        (ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), None),  # audio in an MP4 box
        (ftyp(b"heic", b"mif1", b"heic"), None),  # a HEIC photo
        (ftyp(b"avif", b"mif1", b"miaf"), None),  # an AVIF image
        (ebml_header(b"webm"), "video/webm"),
        (ebml_header(b"matroska"), None),  # MKV: Matroska, but not WebM
        (b"\x1a\x45\xdf\xa3", None),  # an EBML signature and nothing after it
        (b"RIFF\0\0\0\0WAVEfmt ", None),  # RIFF, but audio
        (b"%PDF-1.7\n", None),
        (b"", None),
    ],
)
def test_sniff_signatures(head: bytes, mime: str | None) -> None:
    found = sniff(head)
    assert (found.mime if found else None) == mime


# --- broken files never raise ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "fraction"),
    [
        ("winter-hero.jpg", 0.5),
        ("winter-hero.jpg", 0.02),
        ("gift-guide.png", 0.5),
        ("behind-the-scenes.mp4", 0.5),
        ("behind-the-scenes.mp4", 0.002),
        ("teaser.mov", 0.6),
        ("snowfall.webm", 0.5),
    ],
)
def test_truncated_files_report_an_error(tmp_path: Path, source: str, fraction: float) -> None:
    path = truncate(MEDIA / source, tmp_path / source, fraction)
    whole = MediaProbe().probe(str(MEDIA / source))
    info = MediaProbe().probe(str(path))
    assert (info.exists, info.kind, info.mime) == (True, whole.kind, whole.mime)
    assert info.error
    assert info.size_bytes == path.stat().st_size


def test_truncated_webp_is_caught_by_its_riff_size(tmp_path: Path) -> None:
    whole = make_image(tmp_path / "whole.webp", (400, 300), "WEBP")
    Image.effect_noise((400, 300), 60).convert("RGB").save(whole, "WEBP")  # not tiny
    info = MediaProbe().probe(str(truncate(whole, tmp_path / "cut.webp", 0.6)))
    assert (info.kind, info.mime) == ("image", "image/webp")
    assert info.error is not None
    assert "truncated" in info.error


def test_truncated_container_names_the_box(tmp_path: Path) -> None:
    info = MediaProbe().probe(str(truncate(MEDIA / "lookbook.mp4", tmp_path / "l.mp4", 0.5)))
    assert info.error is not None
    assert "'mdat'" in info.error
    assert info.duration_s == pytest.approx(8.0, abs=0.05)  # the moov box comes first


MAGICS = [
    b"\xff\xd8\xff\xe0",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    ftyp(b"isom", b"isom", b"mp42"),
    ftyp(b"qt  "),
    b"\x00\x00\x00\x08moov",
    ebml_header(b"webm"),
]


@settings(max_examples=150, deadline=None)
@given(magic=st.sampled_from(MAGICS), junk=st.binary(max_size=3000))
def test_garbage_behind_a_signature_never_raises(magic: bytes, junk: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.bin"
        path.write_bytes(magic + junk)
        info = MediaProbe().probe(str(path))
    assert info.exists
    assert info.sha256 == hashlib.sha256(magic + junk).hexdigest()
    if info.kind == "image" and info.error is None:
        assert info.width is not None
        assert info.height is not None
    if info.error is not None:
        assert info.error.strip()
        assert "Traceback" not in info.error


def test_hachoir_says_nothing_on_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    data = bytearray((MEDIA / "behind-the-scenes.mp4").read_bytes())
    data[100:3000] = bytes(range(256)) * 11 + bytes(84)  # scramble the moov box
    path = tmp_path / "scrambled.mp4"
    path.write_bytes(bytes(data))
    info = MediaProbe().probe(str(path))
    assert info.kind == "video"
    assert info.error is not None
    assert capfd.readouterr() == ("", "")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    info = MediaProbe().probe(str(tmp_path / "empty.mp4"))
    assert (info.exists, info.kind, info.size_bytes, info.error) == (
        True,
        "unknown",
        0,
        "the file is empty",
    )


def test_missing_file(tmp_path: Path) -> None:
    info = MediaProbe().probe(str(tmp_path / "nope.jpg"))
    assert info == MediaInfo(
        str(tmp_path / "nope.jpg"), False, "unknown", None, None, None, None, None, None,
        "the file does not exist",
    )  # fmt: skip


def test_missing_folder_on_the_way(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    info = MediaProbe().probe(str(tmp_path / "file" / "image.jpg"))
    assert not info.exists
    assert info.error


def test_directory_and_fifo(tmp_path: Path) -> None:
    (tmp_path / "folder.jpg").mkdir()
    os.mkfifo(tmp_path / "pipe.mp4")
    probe = MediaProbe()
    folder = probe.probe(str(tmp_path / "folder.jpg"))
    fifo = probe.probe(str(tmp_path / "pipe.mp4"))  # would block forever if it were opened
    assert (folder.exists, folder.kind, folder.error) == (
        True,
        "unknown",
        "this is a folder, not a file",
    )
    assert fifo.exists
    assert fifo.error
    assert probe.probes == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = make_image(tmp_path / "secret.jpg", (10, 10), "JPEG")
    path.chmod(0)
    info = MediaProbe().probe(str(path))
    assert info.exists
    assert info.error == "the file cannot be read (permission denied)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unsearchable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    make_image(folder / "a.jpg", (10, 10), "JPEG")
    folder.chmod(0)
    try:
        info = MediaProbe().probe(str(folder / "a.jpg"))
    finally:
        folder.chmod(0o755)
    assert info.exists  # it may well be there: the error says why it cannot be read
    assert info.error == "the file cannot be looked up (permission denied)"


def test_read_failure_becomes_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same path as above where tests run as root: the open call is made to fail as a
    permission problem would (only the file system is faked, not the probe)."""
    path = make_image(tmp_path / "secret.jpg", (10, 10), "JPEG")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(media_probe, "open", denied, raising=False)
    info = MediaProbe().probe(str(path))
    assert (info.exists, info.size_bytes) == (True, path.stat().st_size)
    assert info.error == "the file cannot be read (permission denied)"


# --- big images: header only, no decompression-bomb failure --------------------------------------


def test_large_image_is_sized_without_warnings_turning_into_errors(tmp_path: Path) -> None:
    """Over Pillow's MAX_IMAGE_PIXELS (a DecompressionBombWarning, an error under this suite's
    warning filter) but under twice that: sized from the header."""
    side = int((Image.MAX_IMAGE_PIXELS or 89_478_485) ** 0.5) + 100
    Image.new("1", (side, side)).save(tmp_path / "huge.png")
    info = MediaProbe().probe(str(tmp_path / "huge.png"))
    assert (info.kind, info.width, info.height, info.error) == ("image", side, side, None)


def test_decompression_bomb_is_an_error(tmp_path: Path) -> None:
    side = int((2 * (Image.MAX_IMAGE_PIXELS or 89_478_485)) ** 0.5) + 100
    Image.new("1", (side, side)).save(tmp_path / "bomb.png")
    info = MediaProbe().probe(str(tmp_path / "bomb.png"))
    assert (info.kind, info.mime, info.width) == ("image", "image/png", None)
    assert info.error


def test_sha256_streams_large_files(tmp_path: Path) -> None:
    data = os.urandom(int(2.5 * (1 << 20)))
    (tmp_path / "big.bin").write_bytes(data)
    info = MediaProbe().probe(str(tmp_path / "big.bin"))
    assert info.sha256 == hashlib.sha256(data).hexdigest()


# --- once per file -----------------------------------------------------------------------------


def test_each_file_is_inspected_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_image(tmp_path / "a.jpg", (30, 20), "JPEG")
    make_image(tmp_path / "b.png", (30, 20), "PNG")
    monkeypatch.chdir(tmp_path)
    probe = MediaProbe()
    infos = [probe.probe(p) for p in ["a.jpg", "b.png", "a.jpg", str(tmp_path / "a.jpg")] * 50]
    assert probe.probes == 2
    assert {i.path for i in infos} == {"a.jpg", "b.png", str(tmp_path / "a.jpg")}
    assert infos[3] == MediaProbe().probe(str(tmp_path / "a.jpg"))
    probe.probe("missing.jpg")
    assert probe.probes == 2  # nothing to inspect


def test_a_changed_file_is_inspected_again(tmp_path: Path) -> None:
    path = make_image(tmp_path / "a.jpg", (30, 20), "JPEG")
    probe = MediaProbe()
    assert probe.probe(str(path)).width == 30
    make_image(path, (40, 20), "JPEG")  # new content, new size
    assert probe.probe(str(path)).width == 40
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same size, touched
    probe.probe(str(path))
    assert probe.probes == 3
