"""The video header probe is bounded by a count of reads, not by luck (issue #11).

A 4 MB MP4 of 500,000 empty boxes kept hachoir busy for over 20 s. The probe now reads through
a counter and stops at `MAX_HEADER_READS`: the file is E313 media-unreadable. The bound is
asserted as a count (reads), never as a time.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from pipeline.validate import probe as media_probe
from pipeline.validate.probe import MediaProbe
from tests.cli.test_publish_cli import NOW, env_for, pipeline, project

MEDIA = Path(__file__).resolve().parents[1] / "demo" / "schedules" / "media"
SAMPLES = ["lookbook.mp4", "behind-the-scenes.mp4", "teaser.mov", "snowfall.webm"]


def empty_boxes_mp4(boxes: int, name: bytes = b"free") -> bytes:
    """An MP4 signature followed by `boxes` empty (8-byte) boxes: whole, and all header."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom")
    return ftyp + struct.pack(">I4s", 8, name) * boxes


@pytest.mark.parametrize("name", [b"free", b"moov"])
def test_a_header_of_endless_empty_boxes_stops_at_the_read_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: bytes
) -> None:
    monkeypatch.setattr(media_probe, "MAX_HEADER_READS", 500)
    path = tmp_path / "boxes.mp4"
    path.write_bytes(empty_boxes_mp4(2_000, name))  # hachoir reads each box twice at least
    info = MediaProbe().probe(str(path))
    assert (info.kind, info.mime) == ("video", "video/mp4")
    assert info.error == (
        "the video's header is too complex to read: the probe stopped after 500 reads "
        "(real videos need a few hundred)"
    )


def test_the_budget_counts_every_read_and_refuses_past_it() -> None:
    stream = media_probe._CountedReads(io.BytesIO(b"abc"), budget=2)
    assert (stream.read(1), stream.read(1)) == (b"a", b"b")
    with pytest.raises(media_probe._ReadBudgetSpent):
        stream.read(1)
    with pytest.raises(media_probe._ReadBudgetSpent):  # and every read after that
        stream.read(1)
    assert stream.reads == 4


@pytest.mark.parametrize("sample", SAMPLES)
def test_real_videos_need_far_fewer_reads_than_the_budget(
    monkeypatch: pytest.MonkeyPatch, sample: str
) -> None:
    # The committed samples need 42 to 169 reads; a budget 100 times smaller than the real one
    # still reads them whole, so the real budget leaves ample room for longer files.
    monkeypatch.setattr(media_probe, "MAX_HEADER_READS", media_probe.MAX_HEADER_READS // 100)
    info = MediaProbe().probe(str(MEDIA / sample))
    assert info.error is None
    assert info.duration_s is not None and info.width is not None


def test_the_issue_file_through_validate_is_e313_with_no_traceback(tmp_path: Path) -> None:
    # The real budget, and a file past it (20,000 boxes: about 160 KB, not 4 MB).
    boxes = media_probe.MAX_HEADER_READS
    cal = (
        "defaults: {timezone: UTC, account: '@demo'}\nposts:\n"
        "  - {id: v, at: '2026-12-01 08:00', platform: tiktok, text: hi, media: [boxes.mp4],"
        " tiktok: {privacyLevel: PUBLIC_TO_EVERYONE}}\n"
    )
    root = project(tmp_path, cal)
    (root / "schedules" / "boxes.mp4").write_bytes(empty_boxes_mp4(boxes))
    proc = pipeline(root, env_for(None), "validate", "schedules", "--now", NOW)
    assert proc.returncode == 1, proc.stderr
    assert "E313 media-unreadable" in proc.stdout
    assert f"stopped after {boxes:,} reads" in proc.stdout
    assert "Traceback" not in proc.stderr
