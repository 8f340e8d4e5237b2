"""Apply: carry a Plan out against the backends, every attempt recorded in the ledger.

`publisher` runs one pass in the plan's order (preflight, reconcile, cancels, deferrals, sends);
`lanes` paces one lane per network from when the service counts; `media` imports each file once.
"""
