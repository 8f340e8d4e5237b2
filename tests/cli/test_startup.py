"""`pipeline --help` answers at once: building the parser imports none of the heavy libraries
(they load where a command needs them). Counted by modules loaded, never by time."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "pandas",
    "httpx",
    "rich",
    "PIL",
    "hachoir",
    "starlette",
    "uvicorn",
    "apscheduler",
    "boto3",
    "botocore",
)


def test_the_parser_loads_no_heavy_library() -> None:
    probe = (
        "import sys\n"
        "from pipeline.cli import build_parser\n"
        "build_parser().format_help()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert ran.stdout.strip() == ""


def test_help_is_printed() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 0 and "validate" in ran.stdout and ran.stderr == ""


def test_publish_loads_neither_pandas_nor_hachoir_until_needed() -> None:
    """results.csv is written without pandas, hachoir loads at the first local video, and
    boto3 at the first file the media store must upload or presign."""
    probe = (
        "import sys\n"
        "import pipeline.commands.publish, pipeline.commands.plan, pipeline.commands.validate\n"
        "import pipeline.commands.run\n"
        "print(','.join(m for m in ('pandas', 'hachoir', 'boto3', 'botocore') if m in sys.modules))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert ran.stdout.strip() == ""
