"""Backends: the services a post can go to. `status200/` (through `pipeline.api`, the Status 200
client) and `clips/` (a clip server's Upload-Post proxy). `record` turns any backend's answer into
the ledger's outcome events, so both record the same way.
"""
