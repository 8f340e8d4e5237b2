"""The media store from the command line, as a team would run it: pipeline.yaml names the
bucket, the AWS variables hold the credentials, and `validate`, `plan`, `publish` and `report`
run as processes against moto's S3 server and the sandbox on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.textsafe import megabytes
from tests.cli.test_publish_cli import env_for, pipeline
from tests.mediastore.conftest import BUCKET, PREFIX, calendar, noise_jpeg
from tests.publish.conftest import SCALE, START
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.sandbox_handle import SandboxHandle, running_sandbox

pytestmark = pytest.mark.timeout(240)
NOW = "2026-11-28T12:00:00Z"
SIGNED = re.compile(r"X-Amz-(Signature|Credential)", re.IGNORECASE)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(time_scale=SCALE, start_at=START) as handle:
        yield handle


def _project(root: Path, store: str | None) -> None:
    (root / ".git").mkdir(exist_ok=True)
    noise_jpeg(root / "schedules" / "media" / "hero.jpg", seed=21)
    noise_jpeg(root / "schedules" / "media" / "tip.jpg", seed=22)
    (root / "schedules" / "cal.yaml").write_text(
        calendar(4, "media/hero.jpg", ("x", "linkedin"))
        + "  - {id: tip, at: '2026-12-03 09:00', platform: threads, text: Tip,"
        " media: ['media/tip.jpg']}\n",
        encoding="utf-8",
    )
    (root / "pipeline.yaml").write_text(
        "timezone: UTC\n" + (f"media_store:\n{store}" if store else ""), encoding="utf-8"
    )


def _store_yaml(s3: S3Server, bucket: str = BUCKET) -> str:
    return (
        f"  url: s3://{bucket}/{PREFIX}\n"
        f"  endpoint_url: {s3.url}\n"
        f"  region: {REGION}\n"
        "  presign_expires: 3600\n"
    )


def _aws_env(sandbox: SandboxHandle | None) -> dict[str, str]:
    env = env_for(sandbox)
    return env | {  # the fixture `s3` set these in os.environ; subprocesses get them too
        k: os.environ[k] for k in os.environ if k.startswith("AWS_")
    }


def test_validate_warns_about_local_files_with_nowhere_to_go(tmp_path: Path) -> None:
    _project(tmp_path, None)
    ran = pipeline(tmp_path, env_for(None), "validate", "schedules/", "--now", NOW)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "W150" in ran.stdout and "media_store" in ran.stdout
    assert "pipeline.yaml" in ran.stdout


def test_validate_online_checks_the_bucket_with_one_call(tmp_path: Path, s3: S3Server) -> None:
    _project(tmp_path, _store_yaml(s3))
    env = _aws_env(None)
    offline = pipeline(tmp_path, env, "validate", "schedules/", "--now", NOW)
    assert offline.returncode == 0 and "W150" not in offline.stdout
    assert sum(s3.calls.values()) == 0  # offline: the bucket is not asked
    online = pipeline(tmp_path, env, "validate", "schedules/", "--now", NOW, "--online")
    assert online.returncode == 0, online.stdout + online.stderr
    assert s3.calls == {"HeadBucket": 1}
    _project(tmp_path, _store_yaml(s3, bucket="no-such-bucket"))
    missing = pipeline(tmp_path, env, "validate", "schedules/", "--now", NOW, "--online")
    assert missing.returncode == 1
    assert "E150" in missing.stdout and "s3://no-such-bucket/" in missing.stdout


def test_plan_publish_and_report_show_uploads_and_never_a_presigned_url(
    tmp_path: Path, s3: S3Server, sandbox: SandboxHandle
) -> None:
    _project(tmp_path, _store_yaml(s3))
    env = _aws_env(sandbox)
    common = ["schedules/", "--now", NOW]
    plan = pipeline(tmp_path, env, "plan", *common)
    assert plan.returncode == 0, plan.stderr
    sizes = sum(
        (tmp_path / "schedules" / "media" / n).stat().st_size for n in ("hero.jpg", "tip.jpg")
    )
    assert f"upload 2 files ({megabytes(sizes)}), 2 media imports" in plan.stdout, plan.stdout
    assert sum(s3.calls.values()) == 0  # plan asks the bucket nothing
    published = pipeline(tmp_path, env, "publish", *common, "--yes")
    assert published.returncode == 0, published.stdout + published.stderr
    assert s3.calls["PutObject"] == 2
    assert "uploading media/hero.jpg" in published.stderr
    assert f"uploaded media/hero.jpg to s3://{BUCKET}/{PREFIX}" in published.stderr
    assert sum(sandbox.counters()["media_imports"].values()) == 2
    fetched = [r.url for r in sandbox.sandbox.state.media.values()]
    assert all(SIGNED.search(u) for u in fetched)  # the sandbox fetched presigned URLs
    replan = pipeline(tmp_path, env, "plan", *common)
    assert "upload" not in replan.stdout.lower().replace("uploads api", "")
    report = pipeline(tmp_path, env, "report", *common, "--output", "report.html")
    assert report.returncode == 0, report.stderr
    again = pipeline(tmp_path, env, "publish", *common, "--yes", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["counts"].get("unchanged") == 5
    outputs = {
        "plan": plan.stdout + plan.stderr,
        "publish": published.stdout + published.stderr,
        "publish again": again.stdout + again.stderr,
        "events.jsonl": (tmp_path / "ledger" / "events.jsonl").read_text(),
        "results.csv": (tmp_path / "ledger" / "results.csv").read_text(),
        "report.html": (tmp_path / "report.html").read_text(),
    }
    for url in fetched:
        query = url.partition("?")[2]
        for name, text in outputs.items():
            assert query not in text and url not in text, name
    for name, text in outputs.items():
        assert not SIGNED.search(text), name
        assert SECRET_KEY not in text and ACCESS_KEY not in text, name


def test_the_runner_log_hides_a_presigned_url() -> None:
    import io
    import logging

    from pipeline.runner.logs import KeyValueFormatter

    url = "https://acme.s3.amazonaws.com/k.jpg?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=abc"
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, f"import of {url} failed", (), None
    )
    line = KeyValueFormatter(secrets=[SECRET_KEY]).format(record)
    assert "abc" not in line and "k.jpg?[presigned]" in line
    io.StringIO(line)
