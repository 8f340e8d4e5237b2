"""`pipeline run`: the long-lived APScheduler process and its jobs.

`scheduler` owns the process (signals, the lock, the jobs), `jobs` defines them, `sync` is the
publish pass, `tracking` and `figures` read the service back, `webhooks` receives its signed
events, `shared` is what the jobs share (a guarded ledger, the stop), `logs` the key=value lines.
"""
