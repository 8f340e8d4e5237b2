"""Publishing: the plan executed against the API, every attempt recorded in the ledger.

Layers: `keys` and `body` are pure; `media`, `preflight`, `reconcile` and `lanes` talk to the
API through `pipeline.api` and write through `pipeline.ledger`; `run` orchestrates one pass and
`summary` describes it.
"""
