"""A local emulator of the Status 200 Uploads API (OpenAPI 2026-09-28).

Users rehearse a calendar on it without touching real accounts, and every integration test of the
pipeline talks to it over a real socket. It imports nothing from the pipeline's API client, so the
two can disagree and the tests notice. Entry points: `pipeline.sandbox.app.create_app` (the ASGI
app), `tests/sandbox_handle.py` (in-process, for tests; not shipped) and the `pipeline sandbox`
command (`pipeline.sandbox.cli`).
"""

from __future__ import annotations
