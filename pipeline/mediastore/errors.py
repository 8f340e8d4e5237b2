"""What the bucket's refusals mean, as one line naming the bucket.

A store problem holds back only the posts whose files need the store; `fatal` ones (the
credentials, the bucket, a denied write) would fail the same way for every file, so the rest
of the run asks the bucket nothing more and reports the same line. A cut connection or a 5xx
is not fatal: the next file, or the next run, tries again.
"""

from __future__ import annotations

from typing import Final

#: Codes S3 and the compatible stores give for credentials that are no good (any more).
CREDENTIAL_CODES: Final = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "RequestExpired",
    }
)
MISSING_BUCKET_CODES: Final = frozenset({"NoSuchBucket"})
DENIED_CODES: Final = frozenset({"AccessDenied", "AllAccessDisabled", "Forbidden"})


class StoreError(Exception):
    """The store could not be used for a file: a one-line message naming the bucket."""

    def __init__(self, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.message = message
        self.fatal = fatal

    def __str__(self) -> str:
        return self.message


def explain(store: str, operation: str, code: str, status: int | None) -> StoreError:
    """The StoreError for an S3 error answer. `operation`: head, upload, presign, check. A HEAD
    answer has no body, so its code is only the HTTP status: 400 there is the credentials (an
    expired session token), 404 after a HeadBucket the bucket."""
    if code in CREDENTIAL_CODES or (operation == "head" and status == 400):
        return StoreError(
            f"media store {store}: the credentials were refused ({code}): they may have "
            "expired; renew them (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN "
            "or AWS_PROFILE)",
            fatal=True,
        )
    if code in MISSING_BUCKET_CODES or (operation == "check" and status == 404):
        return StoreError(
            f"media store {store}: the bucket does not exist (NoSuchBucket): create it, or fix "
            "media_store.url (and endpoint_url) in pipeline.yaml",
            fatal=True,
        )
    if code in DENIED_CODES or status == 403:
        needs = {
            "head": "s3:GetObject (HEAD) on its objects",
            "upload": "s3:PutObject on its objects",
            "check": "s3:ListBucket (HeadBucket)",
        }.get(operation, "access")
        verb = "writing to" if operation == "upload" else "reading"
        return StoreError(
            f"media store {store}: {verb} the bucket was denied ({code}): the credentials need "
            f"{needs}",
            fatal=True,
        )
    return StoreError(
        f"media store {store}: {operation} failed ({code}"
        + (f", HTTP {status}" if status else "")
        + "); tried again on the next run",
        fatal=False,
    )
