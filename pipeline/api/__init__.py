"""The Status 200 Uploads API client: settings, exceptions, retry table, answers, the client.

Import from here; the submodules are the layout, not the interface.
"""

from __future__ import annotations

from pipeline.api.client import Status200Client
from pipeline.api.errors import (
    ApiError,
    ConfigError,
    KeyReused,
    MissingKey,
    NotFound,
    NotJsonAnswer,
    OutcomeUnknown,
    RateLimited,
    ResendOnceWithKey,
    Status200Error,
    Terminal,
    TransportFailure,
    Unauthorized,
    UnexpectedAnswer,
    WaitAndResend,
)
from pipeline.api.limiter import ReadLimiter
from pipeline.api.observer import AttemptObserver
from pipeline.api.read_types import (
    Account,
    AccountList,
    AccountNetwork,
    ListedItem,
    NetworkOptions,
    PostingOptions,
    PostItem,
    PostPage,
    PostRead,
    ScheduledPostItem,
    ScheduledResult,
)
from pipeline.api.retry_table import RetryRule, rule_for
from pipeline.api.settings import DEFAULT_BASE_URL, ApiSettings, Secret
from pipeline.api.types import (
    Accepted,
    AcceptedKind,
    ApiWarning,
    CancelResult,
    CreateResult,
    DryRunReport,
    MediaImport,
    MediaStatus,
    PublishResult,
    Status200Ids,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "Accepted",
    "AcceptedKind",
    "Account",
    "AccountList",
    "AccountNetwork",
    "ApiError",
    "ApiSettings",
    "ApiWarning",
    "AttemptObserver",
    "CancelResult",
    "ConfigError",
    "CreateResult",
    "DryRunReport",
    "KeyReused",
    "ListedItem",
    "MediaImport",
    "MediaStatus",
    "MissingKey",
    "NetworkOptions",
    "NotFound",
    "NotJsonAnswer",
    "OutcomeUnknown",
    "PostItem",
    "PostPage",
    "PostRead",
    "PostingOptions",
    "PublishResult",
    "RateLimited",
    "ReadLimiter",
    "ResendOnceWithKey",
    "RetryRule",
    "ScheduledPostItem",
    "ScheduledResult",
    "Secret",
    "Status200Client",
    "Status200Error",
    "Status200Ids",
    "Terminal",
    "TransportFailure",
    "Unauthorized",
    "UnexpectedAnswer",
    "WaitAndResend",
    "rule_for",
]
