"""Backends: the services a post can go to, behind one protocol (`base.Backend`).

`status200/` (through `pipeline.api`, the Status 200 client) and `clips/` (a clip server's
Upload-Post proxy) implement it; `lanes` paces requests from when the service counts them, and
`record` turns any backend's answer into the ledger's outcome events, so all record alike.
"""
