"""The Status 200 Uploads API backend: request bodies, the account preflight, and reconciling
unknown outcomes with `GET /posts`. The HTTP client itself is `pipeline.api`.
"""
