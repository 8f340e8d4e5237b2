"""The runner's log lines: key=value, one line each (tracebacks included), never a secret."""

from __future__ import annotations

import io
import logging
import re

from hypothesis import given
from hypothesis import strategies as st

from pipeline.runner.logs import FIELDS, KeyValueFormatter, configure_logging

KEY = "rl_live_9QmZx+3/kP"
SECRET = 'whsec_"quoted"\\secret'
LINE = re.compile(r'^ts=\S+Z level=[A-Z]+ logger=\S+( \w+=(?:[^\s"]+|"(?:[^"\\]|\\.)*"))*$')


def _record(
    message: str, *args: object, exc: BaseException | None = None, **extra: object
) -> logging.LogRecord:
    record = logging.LogRecord(
        "pipeline.runner.scheduler", logging.WARNING, __file__, 1, message, args, None
    )
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    record.__dict__.update(extra)
    return record


def test_a_line_carries_the_structured_fields_in_order() -> None:
    line = KeyValueFormatter().format(
        _record(
            "scheduled -> %s",
            "published",
            job="track",
            entry="launch day",
            platform="x",
            outcome="published",
        )
    )
    assert line.split(" level=")[1].startswith("WARNING logger=pipeline.runner.scheduler job=track")
    assert 'entry="launch day" platform=x outcome=published msg="scheduled -> published"' in line
    assert LINE.match(line)


@given(
    text=st.text(max_size=60),
    field=st.sampled_from(FIELDS),
    where=st.sampled_from(("message", "field", "exception")),
    which=st.sampled_from((KEY, SECRET)),
)
def test_no_secret_and_no_newline_ever_reaches_a_line(
    text: str, field: str, where: str, which: str
) -> None:
    leaked = f"{text}{which}{text}"
    try:
        raise RuntimeError(leaked)
    except RuntimeError as caught:
        exc = caught
    record = _record(
        leaked if where == "message" else "plain",
        exc=exc if where == "exception" else None,
        **({field: leaked} if where == "field" else {}),
    )
    line = KeyValueFormatter([KEY, SECRET]).format(record)
    assert "\n" not in line and "\r" not in line
    assert KEY not in line and SECRET not in line
    assert '\\"quoted\\"' not in line  # nor the secret as JSON escapes it
    assert "[redacted]" in line


def test_configure_logging_writes_key_value_lines_to_the_stream() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(level="INFO", secrets=[KEY], stream=stream)
    try:
        logging.getLogger("pipeline.test").info("key %s", KEY, extra={"job": "sync"})
        logging.getLogger("apscheduler.scheduler").info("Added job")  # kept to warnings
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "job=sync" in lines[0] and "[redacted]" in lines[0]
