"""POST /media and GET /media: loopback files really fetched and typed by their content, other
hosts accepted by extension with a stand-in size, size limits, 200 ready or 202 processing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.sandbox.clock import parse_iso
from pipeline.sandbox.media import sniff
from tests.sandbox.conftest import api
from tests.sandbox.media_files import static_server, write_samples
from tests.sandbox_handle import SandboxHandle, running_sandbox

EXPECTED = {
    "photo.jpg": "image/jpeg",
    "image.png": "image/png",
    "image.webp": "image/webp",
    "clip.mp4": "video/mp4",
    "clip.mov": "video/quicktime",
    "clip.webm": "video/webm",
}


@given(st.binary(min_size=16, max_size=64))
def test_bytes_without_a_known_signature_are_not_media(head: bytes) -> None:
    signatures = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"\x1a\x45\xdf\xa3")
    if head.startswith(signatures) or head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return
    assert sniff(head) is None


def test_loopback_files_are_fetched_and_typed_by_content(tmp_path: Path) -> None:
    files = write_samples(tmp_path)
    with (
        static_server(tmp_path) as base,
        running_sandbox(time_scale=1e-6) as sandbox,
        api(sandbox) as client,
    ):
        answers = {}
        for name in [*EXPECTED, "notes.txt", "disguised.jpg", "missing.png"]:
            answers[name] = client.post("/media", json={"url": f"{base}/{name}"})
            sandbox.advance(1)
    for name, mime in EXPECTED.items():
        body = answers[name].json()
        assert answers[name].status_code == 200, body
        assert (body["type"], body["size"], body["status"]) == (mime, len(files[name]), "ready")
    assert answers["notes.txt"].status_code == 415
    assert answers["disguised.jpg"].status_code == 415  # a page is not an image, whatever its name
    missing = answers["missing.png"]
    assert missing.status_code == 400 and missing.json()["error"].startswith(
        "Failed to download file"
    )


def test_other_hosts_are_accepted_by_extension(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client:
        video = client.post("/media", json={"url": "https://cdn.example.com/v/launch.MOV?sig=1"})
        sandbox.advance(20)
        page = client.post("/media", json={"url": "https://example.com/gallery/launch"})
        sandbox.advance(20)
        blocked = client.post("/media", json={"url": "http://10.0.0.8/a.jpg"})
        other_port = client.post("/media", json={"url": "https://example.com:8443/a.jpg"})
        not_http = client.post("/media", json={"url": "ftp://example.com/a.jpg"})
        no_url = client.post("/media", json={})
        bad_json = client.post("/media", content=b"nope")
    assert video.status_code == 200 and video.json()["type"] == "video/quicktime"
    assert video.json()["size"] == 5_242_880
    assert page.status_code == 415
    for refused in (blocked, other_port, not_http):
        assert refused.status_code == 400 and isinstance(refused.json()["error"], str)
    assert no_url.json() == {"error": "URL is required"}
    assert bad_json.json() == {"error": "Invalid JSON body"}


def test_size_limits_and_large_imports() -> None:
    with running_sandbox(time_scale=0.01) as sandbox, api(sandbox) as client:
        too_big = client.post(
            "/media", json={"url": "https://example.com/a.jpg?sandbox_size=20971521"}
        )
        big = client.post(
            "/media", json={"url": "https://example.com/long.mp4?sandbox_size=3000000000"}
        )
        file_id = big.json()["file_id"]
        following = client.get("/media", params={"file_id": file_id}).json()
        waits = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": "youtube",
                    "content": {"text": "Long", "mediaID": [file_id]},
                }
            },
        )
        sandbox.advance(60)
        ready = client.get("/media", params={"file_id": file_id}).json()
    assert too_big.status_code == 413 and too_big.json()["size"] == 20_971_521
    assert big.status_code == 202 and big.json()["status"] == "processing"
    assert following["status"] == "processing" and following["success"] is False
    assert 0 <= following["progress"] < 100
    assert waits.status_code == 409 and waits.json()["error"]["code"] == "media_processing"
    assert waits.headers["retry-after"] == "1"  # 30 s scaled by 0.01, rounded up
    assert ready["status"] == "ready" and ready["success"] is True and ready["progress"] == 100


def test_media_status_refusals(sandbox: SandboxHandle) -> None:
    with api(sandbox) as client, api(sandbox, "") as anonymous:
        missing = client.get("/media")
        not_uuid = client.get("/media", params={"file_id": "abc"})
        unknown = client.get("/media", params={"file_id": "00000000-0000-4000-8000-000000000000"})
        no_key = anonymous.get("/media", params={"file_id": "00000000-0000-4000-8000-000000000000"})
    assert missing.status_code == 400 and not_uuid.status_code == 400
    assert unknown.status_code == 404 and no_key.status_code == 401


@pytest.mark.parametrize(
    ("platform", "url", "code", "status"),
    [
        ("youtube", "https://example.com/a.jpg", "media_wrong_for_post_type", 400),
        ("pinterest", "https://example.com/a.mp4", "media_wrong_for_post_type", 400),
        ("pinterest", "https://example.com/a.jpg", "pinterest_board_required", 400),
        ("x", "https://example.com/a.jpg?sandbox_size=6000000", "MEDIA_TOO_LARGE", 413),
    ],
)
def test_pre_post_guards(
    sandbox: SandboxHandle, platform: str, url: str, code: str, status: int
) -> None:
    with api(sandbox) as client:
        file_id = client.post("/media", json={"url": url}).json()["file_id"]
        answer = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": platform,
                    "content": {"text": "t", "mediaID": [file_id]},
                }
            },
        )
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    if code == "MEDIA_TOO_LARGE":
        error = answer.json()["error"]
        assert error["size_bytes"] == 6_000_000 and error["max_image_bytes"] == 5_000_000


def test_media_is_kept_seven_days_and_while_a_scheduled_post_needs_it() -> None:
    with running_sandbox(time_scale=0.001) as sandbox, api(sandbox) as client:
        kept = client.post("/media", json={"url": "https://example.com/a.mp4"}).json()["file_id"]
        sandbox.advance(1)
        dropped = client.post("/media", json={"url": "https://example.com/b.mp4"}).json()["file_id"]
        later = client.post(
            "/posts",
            json={
                "post": {
                    "accountId": "@demo",
                    "platform": "tiktok",
                    "scheduledFor": _in_hours(sandbox, 2),
                    "content": {"text": "later", "mediaID": [kept]},
                }
            },
        )
        sandbox.advance(7 * 86400 * 0.001 + 5)
        still = client.get("/media", params={"file_id": kept})
        gone = client.get("/media", params={"file_id": dropped})
    assert later.status_code == 202
    assert still.status_code == 200 and gone.status_code == 404


def _in_hours(sandbox: SandboxHandle, hours: int) -> float:
    return parse_iso(sandbox.now()) + hours * 3600
