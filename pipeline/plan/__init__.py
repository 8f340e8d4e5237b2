"""Plan: the calendar's posts against the ledger, as terraform plans (pure; no I/O but the saved
plan's file).

`diff` decides each post's step and forecasts the run under the throttles, `build` makes a Plan
from a validation result and the ledger (with the one options factory), `keys` names requests
(Idempotency-Keys, media identities), `saved` writes and checks `pipeline plan --out` files.
"""
