"""What goes wrong with a bucket, over sockets: an upload cut midway (a TCP proxy drops the
connection), a denied write (a bucket policy moto enforces), a missing bucket, and expired
credentials (a loopback server answering as S3 does to an expired session token). Each is one
line naming the bucket, exit 1, and holds back only the posts that need the file."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.apply.publisher import RunSummary
from pipeline.mediastore import StoreError, StoreSettings
from pipeline.mediastore.store import MULTIPART_THRESHOLD, MediaStore
from tests.mediastore.conftest import BUCKET, PREFIX, StoreRig, calendar, noise_jpeg
from tests.publish.test_publish_sandbox import total_created
from tests.s3_server import REGION, CuttingProxy, S3Server

pytestmark = pytest.mark.timeout(180)

URL_POSTS = (
    "  - {id: u1, at: '2026-12-02 09:00', platform: x, text: 'URL post',"
    " media: ['https://cdn.example.com/u.jpg']}\n"
    "  - {id: t1, at: '2026-12-02 10:00', platform: linkedin, text: 'Text only'}\n"
)


def _mixed_calendar(rig: StoreRig) -> None:
    """Three posts need a local file; two do not (a URL, no media)."""
    noise_jpeg(rig.root / "schedules" / "media" / "local.jpg", seed=7)
    rig.write(calendar(3, "media/local.jpg", ("x", "linkedin", "threads")) + URL_POSTS)


def _assert_held_only_local(rig: StoreRig, summary: RunSummary, words: str) -> None:
    assert summary.exit_code == 1
    assert summary.counts["held"] == 3 and summary.counts["created"] == 2, summary.counts
    (problem,) = [p for p in summary.problems if "media store" in p]
    assert f"s3://{BUCKET}/" in problem and words in problem, problem
    held = sorted(f.split(":")[0] for f in summary.failures if "held back" in f)
    assert held == ["p0/x", "p1/linkedin", "p2/threads"], summary.failures
    assert all(problem in f for f in summary.failures)  # the same line for each
    assert total_created(rig.counters()) == 2
    assert rig.events("media.upload") == []
    assert sum(rig.counters().get("media_imports", {}).values()) == 1  # the URL post's only
    # Nothing about the held posts is in the ledger: the next run sends them.
    assert set(rig.state().posts) == {"u1/x", "t1/linkedin"}


def test_a_cut_upload_is_never_recorded_and_the_next_run_uploads_it(store_rig: StoreRig) -> None:
    rig = store_rig
    _mixed_calendar(rig)
    size = (rig.root / "schedules" / "media" / "local.jpg").stat().st_size
    proxy = CuttingProxy(rig.s3.url, cut_after=size // 2, cuts=100)  # every attempt is cut
    try:
        cut_store = StoreSettings(BUCKET, PREFIX, endpoint_url=proxy.url, region=REGION)
        summary = rig.publish(media_store=cut_store)
    finally:
        proxy.close()
    assert proxy.cut >= 2  # boto3 tried again, and was cut again
    _assert_held_only_local(rig, summary, "cut off")
    assert rig.s3.keys(BUCKET) == {}  # no partial object
    # The next run (the network is back) uploads it whole, once, and sends the held posts.
    again = rig.publish()
    assert again.exit_code == 0, again.failures
    assert total_created(rig.counters()) == 5
    (upload,) = rig.events("media.upload")
    assert rig.s3.keys(BUCKET) == {upload["object_key"]: size}


def test_an_upload_cut_once_is_resumed_by_a_retry_and_recorded_once(store_rig: StoreRig) -> None:
    rig = store_rig
    path = noise_jpeg(rig.root / "schedules" / "media" / "local.jpg", seed=8)
    rig.write(calendar(2, "media/local.jpg", ("x", "linkedin")))
    proxy = CuttingProxy(rig.s3.url, cut_after=path.stat().st_size // 3, cuts=1)
    try:
        summary = rig.publish(
            media_store=StoreSettings(BUCKET, PREFIX, endpoint_url=proxy.url, region=REGION)
        )
    finally:
        proxy.close()
    assert proxy.cut == 1
    assert summary.exit_code == 0, summary.failures
    (upload,) = rig.events("media.upload")
    body = rig.s3.client().get_object(Bucket=BUCKET, Key=upload["object_key"])["Body"].read()
    assert hashlib.sha256(body).hexdigest() == upload["sha256"]


def test_a_denied_write_holds_back_only_the_posts_needing_the_file(store_rig: StoreRig) -> None:
    rig = store_rig
    rig.s3.deny_writes(BUCKET)
    _mixed_calendar(rig)
    summary = rig.publish()
    _assert_held_only_local(rig, summary, "writing to the bucket was denied")
    assert "s3:PutObject" in " ".join(summary.problems)


def test_a_missing_bucket_is_one_line_naming_it(store_rig: StoreRig) -> None:
    rig = store_rig
    _mixed_calendar(rig)
    rig.s3.client().delete_bucket(Bucket=BUCKET)
    summary = rig.publish()
    _assert_held_only_local(rig, summary, "the bucket does not exist")


class _ExpiredToken(BaseHTTPRequestHandler):
    """Answers every request as S3 does when the session token has expired (a HEAD gets the
    status alone: HEAD answers have no body)."""

    BODY = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code>'
        b"<Message>The provided token has expired.</Message></Error>"
    )

    def _answer(self, body: bool) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(400)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.BODY) if body else 0))
        self.end_headers()
        if body:
            self.wfile.write(self.BODY)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_PUT(self) -> None:
        self._answer(body=True)

    do_GET = do_POST = do_PUT  # noqa: N815

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def expired_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ExpiredToken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_expired_credentials_are_one_line_and_hold_back_only_those_posts(
    store_rig: StoreRig, expired_endpoint: str
) -> None:
    rig = store_rig
    _mixed_calendar(rig)
    summary = rig.publish(
        media_store=StoreSettings(BUCKET, PREFIX, endpoint_url=expired_endpoint, region=REGION)
    )
    _assert_held_only_local(rig, summary, "the credentials were refused")
    assert "expired" in " ".join(summary.problems)


def test_a_large_video_goes_up_in_parts_and_a_cut_one_leaves_nothing(
    s3: S3Server, tmp_path: Path
) -> None:
    path = tmp_path / "big.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2 * MULTIPART_THRESHOLD + 12345))
    size = path.stat().st_size
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    proxy = CuttingProxy(s3.url, cut_after=1_000_000, cuts=1000)
    try:
        cut = MediaStore(StoreSettings(BUCKET, PREFIX, endpoint_url=proxy.url, region=REGION))
        with pytest.raises(StoreError) as failed:
            cut.ensure(str(path), digest, size)
    finally:
        proxy.close()
    assert not failed.value.fatal and f"s3://{BUCKET}/" in str(failed.value)
    assert s3.keys(BUCKET) == {}
    assert s3.calls["AbortMultipartUpload"] >= 1 and s3.uploads_in_progress(BUCKET) == 0
    seen: list[int] = []
    store = MediaStore(StoreSettings(BUCKET, PREFIX, endpoint_url=s3.url, region=REGION))
    stored = store.ensure(str(path), digest, size, lambda: seen.append)
    assert stored.uploaded and stored.parts == 3 and sum(seen) == size
    assert s3.calls["CompleteMultipartUpload"] == 1
    assert s3.keys(BUCKET) == {f"{PREFIX}{digest}.mp4": size}
    again = store.ensure(str(path), digest, size)
    assert not again.uploaded and s3.calls["CompleteMultipartUpload"] == 1
