"""Local files through a media store, over sockets: moto's S3 server and the sandbox on
127.0.0.1. The sandbox fetches each presigned URL as the real API would; moto counts what
reached the bucket."""

from __future__ import annotations

import json

import pytest

from pipeline.plan.keys import media_identity
from tests.mediastore.conftest import BUCKET, PREFIX, StoreRig, calendar, noise_jpeg
from tests.publish.test_publish_sandbox import total_created
from tests.s3_server import ACCESS_KEY, SECRET_KEY

pytestmark = pytest.mark.timeout(120)


def _imports(rig: StoreRig) -> int:
    return sum(rig.counters().get("media_imports", {}).values())


def test_one_file_for_ten_posts_on_three_networks_is_uploaded_once_and_imported_once(
    store_rig: StoreRig,
) -> None:
    rig = store_rig
    shared = noise_jpeg(rig.root / "schedules" / "media" / "shared.jpg", seed=1)
    rig.write(calendar(10, "media/shared.jpg", ("x", "linkedin", "threads")))
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    assert total_created(rig.counters()) == 10
    assert _imports(rig) == 1
    assert rig.s3.calls["PutObject"] == 1
    assert rig.s3.calls["HeadObject"] == 2  # before the upload, and the check after it
    digest = rig.state().media  # the import is named by the file's bytes, not by a URL
    (upload,) = rig.events("media.upload")
    key = f"{PREFIX}{upload['sha256']}.jpg"
    assert upload["bucket"] == BUCKET and upload["object_key"] == key
    assert upload["size"] == shared.stat().st_size and upload["parts"] == 1
    assert rig.s3.keys(BUCKET) == {key: shared.stat().st_size}
    record = digest[media_identity(upload["sha256"], None)]
    assert record.url == f"s3://{BUCKET}/{key}" and record.file_id
    # The sandbox really fetched a presigned URL of that object.
    (fetched,) = rig.fetched_urls()
    assert fetched.startswith(f"{rig.s3.url}/{BUCKET}/{key}?") and "X-Amz-Signature=" in fetched


def test_a_rerun_uploads_nothing_and_another_machine_uploads_nothing_either(
    store_rig: StoreRig,
) -> None:
    rig = store_rig
    noise_jpeg(rig.root / "schedules" / "media" / "shared.jpg", seed=2)
    rig.write(calendar(4, "media/shared.jpg", ("x", "linkedin")))
    assert rig.publish().exit_code == 0
    calls = dict(rig.s3.calls)
    # The same machine: the import is reused, so the bucket is not even asked.
    second = rig.publish()
    assert second.exit_code == 0 and total_created(rig.counters()) == 4
    assert dict(rig.s3.calls) == calls
    # Another machine (a fresh ledger) with new posts: a HEAD finds the object, no PUT.
    rig.ledger_dir = rig.root / "other-ledger"
    rig.write(calendar(2, "media/shared.jpg", ("x", "linkedin"), start=10))
    third = rig.publish()
    assert third.exit_code == 0, third.failures
    assert rig.s3.calls["PutObject"] == 1
    assert rig.s3.calls["HeadObject"] == calls["HeadObject"] + 1
    assert rig.events("media.upload") == []  # this ledger uploaded nothing
    assert total_created(rig.counters()) == 6


def test_a_changed_file_gets_a_new_key(store_rig: StoreRig) -> None:
    rig = store_rig
    path = rig.root / "schedules" / "media" / "shared.jpg"
    noise_jpeg(path, seed=3)
    rig.write(calendar(2, "media/shared.jpg", ("x", "linkedin")))
    assert rig.publish().exit_code == 0
    noise_jpeg(path, seed=4)  # edited in place: the same name, other bytes
    summary = rig.publish()
    assert summary.exit_code == 0, summary.failures
    first, second = rig.events("media.upload")
    assert first["object_key"] != second["object_key"]
    assert set(rig.s3.keys(BUCKET)) == {first["object_key"], second["object_key"]}
    assert rig.s3.calls["PutObject"] == 2 and _imports(rig) == 2


def test_no_presigned_url_or_aws_secret_in_the_ledger_or_results(store_rig: StoreRig) -> None:
    rig = store_rig
    noise_jpeg(rig.root / "schedules" / "media" / "a.jpg", seed=5)
    rig.write(calendar(3, "media/a.jpg", ("x", "threads")))
    assert rig.publish().exit_code == 0
    (fetched,) = rig.fetched_urls()
    signature = fetched.partition("X-Amz-Signature=")[2]
    assert len(signature) == 64
    for name in ("events.jsonl", "results.csv"):
        text = (rig.ledger_dir / name).read_text()
        for secret in (signature, "X-Amz-", SECRET_KEY, ACCESS_KEY, fetched.partition("?")[2]):
            assert secret not in text, (name, secret)
    intents = rig.events("media.intent")
    assert intents and all(e["url"].startswith(f"s3://{BUCKET}/") for e in intents)


def test_the_ledger_scrubs_a_presigned_url_an_error_message_might_quote(
    store_rig: StoreRig,
) -> None:
    from pipeline.ledger import Ledger
    from pipeline.ledger.events import MediaOutcome

    url = f"{store_rig.s3.url}/{BUCKET}/k.jpg?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=abc123"
    ledger = Ledger(store_rig.ledger_dir)
    with ledger.lock("test"):
        ledger.append(
            MediaOutcome(
                run="r", key="sha256:00", status="failed", error_message=f"cannot fetch {url}"
            )
        )
    line = (store_rig.ledger_dir / "events.jsonl").read_text()
    assert "abc123" not in line and "k.jpg?[presigned]" in json.loads(line)["error_message"]


def test_an_expired_presigned_url_is_the_apis_import_failure_and_shows_no_signature(
    store_rig: StoreRig,
) -> None:
    """The sandbox fetches with GET, as the API does; S3 refusing it (an expired URL: 403) is
    an import failure for the posts needing the file, named without the URL's query string."""
    from pipeline.mediastore import StoreSettings
    from tests.s3_server import REGION, CuttingProxy

    rig = store_rig
    noise_jpeg(rig.root / "schedules" / "media" / "a.jpg", seed=9)
    rig.write(calendar(2, "media/a.jpg", ("x", "linkedin")))
    proxy = CuttingProxy(rig.s3.url, refuse_gets=True)
    try:
        summary = rig.publish(
            media_store=StoreSettings(BUCKET, PREFIX, endpoint_url=proxy.url, region=REGION)
        )
    finally:
        proxy.close()
    assert proxy.refused >= 1 and summary.exit_code == 1
    assert summary.counts["failed"] == 2 and total_created(rig.counters()) == 0
    assert all("Failed to download file: HTTP 403" in f for f in summary.failures)
    assert len(rig.events("media.upload")) == 1  # the upload itself went through
    for text in (*summary.failures, (rig.ledger_dir / "events.jsonl").read_text()):
        assert "X-Amz-" not in text


def test_a_dry_run_uploads_nothing_and_asks_the_bucket_nothing(store_rig: StoreRig) -> None:
    rig = store_rig
    noise_jpeg(rig.root / "schedules" / "media" / "a.jpg", seed=10)
    rig.write(calendar(2, "media/a.jpg", ("x", "linkedin")))
    summary = rig.publish(dry_run=True)
    assert summary.exit_code == 0, summary.failures
    assert sum(rig.s3.calls.values()) == 0 and rig.s3.keys(BUCKET) == {}
    assert _imports(rig) == 0
