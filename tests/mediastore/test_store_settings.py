"""`media_store:` in pipeline.yaml, object keys, the plan's upload forecast, and presigned URLs
hidden from whatever is printed: no bucket needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_config
from pipeline.mediastore import StoreSettings, parse_store
from pipeline.textsafe import hide_presigned, megabytes, printable
from tests.helpers import check, image

GOOD = "media_store:\n  url: s3://acme-social/calendar-media/\n  region: auto\n"


def _config(tmp_path: Path, text: str) -> StoreSettings | None:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "pipeline.yaml").write_text("timezone: UTC\n" + text, encoding="utf-8")
    return load_config(str(tmp_path)).media_store


def test_a_store_is_read_with_its_defaults(tmp_path: Path) -> None:
    store = _config(tmp_path, GOOD)
    assert store == StoreSettings("acme-social", "calendar-media/", None, "auto", 3600)
    assert store.object_key("ab" * 32, "media/Hero.JPG") == f"calendar-media/{'ab' * 32}.jpg"
    assert store.address("k.jpg") == "s3://acme-social/k.jpg"
    assert parse_store({"url": "s3://acme-social"}).prefix == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("media_store: s3://acme/x/\n", "pipeline.yaml:2: media_store: must be a mapping"),
        (
            "media_store: {url: https://acme/x/}\n",
            "pipeline.yaml:2: media_store.url: must be s3://",
        ),
        ("media_store: {url: 's3://A_B/x/'}\n", "media_store.url: 'A_B' is not a bucket name"),
        ("media_store: {url: 's3://acme/x/', regoin: auto}\n", "media_store.regoin: unknown key"),
        (
            "media_store: {url: 's3://acme/x/', presign_expires: 30}\n",
            "media_store.presign_expires: must be whole seconds from 300",
        ),
        (
            "media_store: {url: 's3://acme/x/', endpoint_url: ftp://x}\n",
            "media_store.endpoint_url: must be an http(s) URL",
        ),
        (
            "media_base_url: https://cdn.example.com/\nmedia_store: {url: 's3://acme/x/'}\n",
            "pipeline.yaml:3: media_store: give media_base_url or media_store, not both",
        ),
    ],
)
def test_a_bad_store_is_a_config_error_naming_line_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, text)
    assert expected in str(raised.value)
    assert "pipeline.yaml:" in str(raised.value)  # file and line first


def test_presigned_query_strings_are_hidden_wherever_text_is_printed() -> None:
    v4 = (
        "https://acme.s3.amazonaws.com/media/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAX%2F20261202%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20261202T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=" + "f" * 64
    )
    v2 = "https://acme.s3.amazonaws.com/a.jpg?AWSAccessKeyId=AKIAX&Expires=1&Signature=abc%3D"
    for url in (v4, v2):
        shown = hide_presigned(f"fetch {url} failed")
        assert shown == f"fetch {url.partition('?')[0]}?[presigned] failed"
        assert "?[presigned]" in printable(url)
    plain = "https://cdn.example.com/a.jpg?w=100"
    assert hide_presigned(plain) == plain


def test_the_plan_counts_each_upload_once_with_its_size(tmp_path: Path) -> None:
    from pipeline.plan.build import build_plan, plan_options
    from pipeline.report.plan import render_plan_text
    from tests.helpers import NOW

    hero = image(tmp_path / "schedules" / "media" / "hero.jpg")
    image(tmp_path / "schedules" / "media" / "copy.jpg").write_bytes(hero.read_bytes())
    rows = "".join(
        f"  - {{id: p{i}, at: '2026-12-0{i + 1} 09:00', platform: {net}, text: T{i},"
        f" media: ['media/{name}']}}\n"
        for i, (net, name) in enumerate(
            [("x", "hero.jpg"), ("linkedin", "hero.jpg"), ("threads", "copy.jpg")]
        )
    )
    (tmp_path / "pipeline.yaml").write_text("timezone: UTC\n" + GOOD, encoding="utf-8")
    result = check(
        tmp_path,
        {"schedules/cal.yaml": "defaults: {account: '@demo'}\nposts:\n" + rows},
    )
    assert "W150" not in {d.code for d in result.diagnostics}
    store = result.config.media_store
    options = plan_options(result, None, now=NOW, post_interval=20, media_interval=20, store=store)
    plan = build_plan(result, {}, options).plan
    # Two paths, the same bytes: one object to upload (two imports, one per path, as before).
    assert plan.forecast.uploads == 1 and plan.forecast.upload_bytes == hero.stat().st_size
    assert f"upload 1 file ({megabytes(hero.stat().st_size)})" in render_plan_text(plan, header="h")
    without = plan_options(result, None, now=NOW, post_interval=20, media_interval=20)
    assert build_plan(result, {}, without).plan.forecast.uploads == 0


def test_the_terminal_shows_an_upload_as_a_bar_in_bytes_and_drops_it_when_done() -> None:
    import io

    from rich.console import Console

    from pipeline.commands.publish import RichProgress

    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=100))
    progress.start(2)
    advance = progress.upload("media/hero.jpg", 41_000_000)
    assert len(progress.bar.tasks) == 2
    for _ in range(41):
        advance(1_000_000)
    assert len(progress.bar.tasks) == 1  # the upload's bar is gone, the posts' bar stays
    progress.stop()
    assert "uploading media/hero.jpg" in out.getvalue() and "41.0 MB" in out.getvalue()
