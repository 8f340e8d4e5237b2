"""The clip server backend: clips cut by a clip-processing server, posted through its proxy to
Upload-Post (TikTok, Instagram Reels, YouTube Shorts). docs/clips.md describes it."""

from __future__ import annotations

from pipeline.clips.client import ClipClient, PostObserver
from pipeline.clips.errors import (
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
from pipeline.clips.settings import ClipSettings
from pipeline.clips.types import (
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
