"""The clip server backend: clips cut by a clip-processing server, posted through its proxy to
Upload-Post (TikTok, Instagram Reels, YouTube Shorts). docs/clips.md describes it.

Names are loaded on first use (PEP 562), so the pure parts (`captions`, `rules`, `types`,
`errors`) can be imported by the rules engine without loading httpx and the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "ClipClient": "client",
    "PostObserver": "client",
    "ClipSettings": "settings",
    **{
        name: "errors"
        for name in (
            "ClipApiError",
            "ClipBadRequest",
            "ClipConfigError",
            "ClipJobNotFound",
            "ClipNoAnswer",
            "ClipNotReady",
            "ClipServerError",
            "ClipServerUnreachable",
            "ClipTransportError",
            "ClipUnauthorized",
            "ClipUnexpectedAnswer",
            "ClipUpstreamError",
            "ClipVideoNotFound",
        )
    },
    **{
        name: "types"
        for name in (
            "CLIP_PLATFORMS",
            "Clip",
            "ClipJob",
            "ClipPostAccepted",
            "ClipPostRequest",
            "Profile",
            "Profiles",
            "is_clip_request",
        )
    },
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline.backends.clips' has no attribute {name!r}")
    return getattr(importlib.import_module(f"pipeline.backends.clips.{module}"), name)


if TYPE_CHECKING:
    from pipeline.backends.clips.client import ClipClient, PostObserver
    from pipeline.backends.clips.errors import (
        ClipApiError,
        ClipBadRequest,
        ClipConfigError,
        ClipJobNotFound,
        ClipNoAnswer,
        ClipNotReady,
        ClipServerError,
        ClipServerUnreachable,
        ClipTransportError,
        ClipUnauthorized,
        ClipUnexpectedAnswer,
        ClipUpstreamError,
        ClipVideoNotFound,
    )
    from pipeline.backends.clips.settings import ClipSettings
    from pipeline.backends.clips.types import (
        CLIP_PLATFORMS,
        Clip,
        ClipJob,
        ClipPostAccepted,
        ClipPostRequest,
        Profile,
        Profiles,
        is_clip_request,
    )

__all__ = [
    "CLIP_PLATFORMS",
    "Clip",
    "ClipApiError",
    "ClipBadRequest",
    "ClipClient",
    "ClipConfigError",
    "ClipJob",
    "ClipJobNotFound",
    "ClipNoAnswer",
    "ClipNotReady",
    "ClipPostAccepted",
    "ClipPostRequest",
    "ClipServerError",
    "ClipServerUnreachable",
    "ClipSettings",
    "ClipTransportError",
    "ClipUnauthorized",
    "ClipUnexpectedAnswer",
    "ClipUpstreamError",
    "ClipVideoNotFound",
    "PostObserver",
    "Profile",
    "Profiles",
    "is_clip_request",
]
