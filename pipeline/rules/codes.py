"""Every diagnostic code the validator can report, in one registry.

Codes are a public interface (CI scripts grep them, `--ignore` may name them): a code keeps its
number and name forever; a retired code is never reused. E1xx calendar, E2xx caption and titles,
E3xx media, E4xx schedule, W... warnings. `docs/rules.md` is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import Diagnostic, Severity
from pipeline.textsafe import clip

__all__ = ["BY_NAME", "CODES", "Code", "make"]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    summary: str

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code.startswith("W") else Severity.ERROR


_CODES: tuple[Code, ...] = (
    # --- E1xx: the calendar file and its fields ---
    Code(
        "E100",
        "file-unreadable",
        "The file cannot be read: missing, binary, not UTF-8, or too big.",
    ),
    Code("E101", "yaml-syntax", "The YAML is malformed."),
    Code(
        "E102", "csv-syntax", "The CSV is malformed (unclosed quote, wrong delimiter, no header)."
    ),
    Code("E103", "missing-field", "A required field is missing (when, platforms)."),
    Code("E104", "unknown-field", "A field name looks like a misspelling of a known field."),
    Code("E105", "invalid-value", "A field has the wrong type or an unusable value."),
    Code("E106", "duplicate-id", "Two entries share an id (ids must be unique across all files)."),
    Code("E107", "unknown-platform", "A platform the API does not know."),
    Code("E108", "unknown-option", "An option name the API does not know for that platform."),
    Code("E109", "invalid-option-value", "An option value outside what the API accepts."),
    Code("E110", "missing-account", "No account (profile handle) for a platform."),
    Code("E111", "yaml-too-complex", "Too many YAML aliases (an alias bomb) or nesting too deep."),
    Code(
        "E112",
        "field-too-large",
        "A field is far beyond any platform's limit (kept out of memory).",
    ),
    Code("E113", "option-required", "A platform needs an option that is missing (boardId, group)."),
    Code("E114", "invalid-structure", "The file's top level is not what a calendar looks like."),
    Code(
        "E115",
        "yaml-tag-unsupported",
        "A YAML tag other than the plain ones (!!str, !!int, !!float, !!bool, !!null), or a "
        "tagged value that is not what its tag says.",
    ),
    Code("E116", "control-character", "A control character (NUL, ESC, ...) in text or a path."),
    Code("E117", "duplicate-key", "A key appears twice in one mapping (YAML would keep one)."),
    Code(
        "E120",
        "not-a-regular-file",
        "A FIFO, device, socket or folder where a file was expected; it is not opened.",
    ),
    Code(
        "E121",
        "calendar-outside-project",
        "A calendar or pipeline.yaml is a symlink to a file outside the project; it is not read.",
    ),
    Code(
        "E122",
        "folder-too-deep",
        "Folders nested deeper than 32 levels below a path given are not searched.",
    ),
    # --- E16x/W16x: recurring posts (repeat:, until:, count:, skip:, overrides:) ---
    Code("E160", "repeat-invalid", "The repeat: rule is not an RFC 5545 RRULE, or never occurs."),
    Code(
        "E161",
        "repeat-bounds-conflict",
        "until: and count: together, or DTSTART/UNTIL/COUNT inside the rule (use at:, until:, "
        "count:).",
    ),
    Code("E162", "series-without-id", "A recurring post needs an id: occurrences are id@date."),
    Code("E163", "id-reserved-character", "An id contains @, which names series occurrences."),
    Code("E164", "series-value-invalid", "until:, count: or skip: is not a date or a count."),
    Code("E165", "override-invalid", "An override with an unknown key, date or unreadable value."),
    Code(
        "E166",
        "repeat-too-frequent",
        "The rule repeats more often than hourly, or makes over 10,000 posts within 365 days.",
    ),
    Code(
        "E167", "series-key-without-repeat", "until:, count:, skip: or overrides: but no repeat:."
    ),
    Code("W160", "occurrence-not-in-series", "A skip: or overrides: date the rule never produces."),
    # --- E17x/W17x: posting queues and evergreen pools (docs/living-calendars.md) ---
    Code("E170", "queue-unknown", "The queue names no slot set in pipeline.yaml `slots:`."),
    Code("E171", "queue-with-time", "A queue entry also gives a time (at, date); it takes a slot."),
    Code("E172", "queue-needs-id", "A queue or pool entry without an id: its slot cannot be kept."),
    Code("E173", "priority-invalid", "A priority other than `next`."),
    Code("E174", "evergreen-invalid", "An evergreen block with a missing or unusable value."),
    Code("E175", "pool-needs-queue", "A pool member names no queue whose free slots it fills."),
    Code("W170", "queue-out-of-slots", "A queue has more posts than free slots within 365 days."),
    Code(
        "W171",
        "queue-over-allowance",
        "A queue's posts, with the others, exceed the plan's daily allowance on some day.",
    ),
    Code("W172", "pool-too-small", "A pool has fewer members than its cooldown needs."),
    # --- E2xx: captions, titles, hashtags ---
    Code("E201", "caption-too-long", "The caption is longer than the platform allows."),
    Code("E202", "text-required", "A post without media needs text."),
    Code("E203", "too-many-hashtags", "More hashtags than the platform allows."),
    Code("E204", "title-required", "The platform needs a title."),
    Code("E205", "title-too-long", "The title is longer than the platform allows."),
    Code("E207", "tags-too-long", "YouTube tags exceed 500 characters counted YouTube's way."),
    Code("E208", "link-too-long", "A link is longer than the platform allows."),
    # --- E3xx: media ---
    Code("E301", "media-required", "The platform or post type needs media."),
    Code("E302", "media-not-found", "A media file does not exist."),
    Code("E303", "media-outside-project", "A media path points outside the project."),
    Code("E304", "media-type-unsupported", "The file is not a JPEG, PNG, WebP, MP4, MOV or WebM."),
    Code("E305", "media-too-large", "The file is bigger than the API or the platform takes."),
    Code("E306", "video-too-short", "The video is shorter than the platform allows."),
    Code("E307", "video-too-long", "The video is longer than the platform allows."),
    Code("E308", "too-many-media", "More media items than the platform or post type allows."),
    Code("E309", "too-few-media", "Fewer media items than the post type needs (carousels)."),
    Code("E310", "media-mixed", "Images and videos mixed where the platform forbids it."),
    Code("E311", "media-kind-not-allowed", "An image where a video is needed, or the reverse."),
    Code(
        "E312", "image-dimensions", "The image's shape or size is outside what the platform takes."
    ),
    Code("E313", "media-unreadable", "The media file exists but cannot be read or is corrupt."),
    Code("E314", "media-url-invalid", "A media URL the API cannot fetch (scheme or port)."),
    # --- E4xx: schedule ---
    Code("E401", "time-invalid", "The date or time cannot be read."),
    Code("E402", "timezone-unknown", "The time zone is not an IANA name or a UTC offset."),
    Code("E403", "time-in-past", "The post's time has passed."),
    Code("E404", "time-too-soon", "Within 60 s of now: the API would publish at once."),
    Code("E405", "time-too-far", "More than 365 days ahead: the API refuses it."),
    Code("E406", "time-nonexistent", "The local time falls in a daylight-saving gap."),
    Code("E407", "date-format-needed", "A numeric date that could be day-first or month-first."),
    Code(
        "E408", "timezone-missing", "No time zone for the post, its file's defaults or the project."
    ),
    Code("E409", "offset-mismatch", "The written UTC offset disagrees with the time zone."),
    # --- E150-E159: the media store ---
    Code(
        "E150",
        "media-store-unusable",
        "validate --online: the media store refused its credentials, or its bucket is missing "
        "or not readable (one HeadBucket call).",
    ),
    # --- W: warnings (the post would go out, perhaps not as meant) ---
    Code("W101", "time-ambiguous", "The local time occurs twice (DST fold); the first is used."),
    Code("W102", "unknown-field-ignored", "A field this pipeline does not read; it is ignored."),
    Code("W103", "option-block-unused", "An option block for a platform the post is not for."),
    Code(
        "W150",
        "local-media-unserved",
        "Calendars name local files, but pipeline.yaml has no media_store (a bucket they are "
        "uploaded to) and no media_base_url: their posts would be held back.",
    ),
    Code("W201", "tiktok-private-default", "No TikTok privacyLevel: the API posts it SELF_ONLY."),
    Code(
        "W202", "youtube-private-default", "No YouTube privacyStatus: the API uploads it private."
    ),
    Code("W203", "title-will-be-cut", "The API shortens this title at a word end."),
    Code("W204", "title-from-caption", "No YouTube title: the API takes it from the caption."),
    Code("W301", "media-converted", "The API converts this image (e.g. PNG to JPEG for TikTok)."),
    Code("W401", "allowance-queued", "Over the daily allowance: the API moves it to the next day."),
    Code(
        "W402", "allowance-refused", "Over the Free plan's monthly allowance: the API refuses it."
    ),
    Code("W403", "waiting-cap", "Beyond the 500 waiting scheduled posts: deferred to a later run."),
    # --- E5xx/W5xx: clip posts (clip: {job, index}) through the clip server (docs/clips.md) ---
    Code(
        "E501",
        "clip-platform-unsupported",
        "A clip post for a platform the clip server does not post to (tiktok, instagram, youtube).",
    ),
    Code("E502", "clip-with-media", "A post gives both clip: and media:; a clip is its media."),
    Code("E503", "clip-job-not-found", "The clip server has no such job (online check)."),
    Code(
        "E504",
        "clip-not-ready",
        "The job has not finished (still processing, or failed): no clips yet (online check).",
    ),
    Code("E505", "clip-index-out-of-range", "The job has no clip at that index (online check)."),
    Code(
        "E506",
        "clip-profile-unknown",
        "The account is not an Upload-Post profile of the key (online check).",
    ),
    Code(
        "E507",
        "clip-platform-not-connected",
        "The Upload-Post profile has not connected that platform (online check).",
    ),
    Code(
        "E508",
        "clip-caption-too-long",
        "The caption that will be used is over 2,200 characters (TikTok, Instagram).",
    ),
    Code(
        "E509",
        "clip-title-too-long",
        "The YouTube title that will be used is over 100 characters.",
    ),
    Code(
        "E510",
        "clip-key-refused",
        "UPLOAD_POST_API_KEY is missing or refused by the clip server (online check).",
    ),
    Code(
        "W501",
        "clip-server-unreachable",
        "The clip server could not be asked; publishing checks again before sending.",
    ),
    Code(
        "W502",
        "clip-options-ignored",
        "Option blocks are not sent with clip posts; they are ignored.",
    ),
    Code(
        "W503",
        "clip-caption-missing",
        "Neither the calendar nor the clip gives this platform a caption or title (online check).",
    ),
)

CODES: dict[str, Code] = {c.code: c for c in _CODES}
BY_NAME: dict[str, Code] = {c.name: c for c in _CODES}


def make(
    code: str,
    file: str,
    line: int,
    message: str,
    *,
    hint: str = "",
    entry: str | None = None,
    platform: str | None = None,
) -> Diagnostic:
    """Build a diagnostic from a registered code (an unknown code is a programming error).
    A message or hint that quotes a huge value is clipped here, once, for every format."""
    c = CODES[code]
    return Diagnostic(
        file=file,
        line=line,
        code=c.code,
        name=c.name,
        severity=c.severity,
        entry=entry,
        platform=platform,
        message=clip(message),
        hint=clip(hint),
    )
