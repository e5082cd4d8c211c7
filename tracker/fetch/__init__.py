"""Fetch: the network side of a run — every I/O with payers' servers and the CMS Coverage API.

``http`` (the session, conditional GET, retries, the capped read), ``verdict`` (is this
body the policy? challenges, wrong types, truncation, error pages), ``watched`` (the deadline
shuts a fetch's sockets, through ``tracker.watchdog``), ``hygiene`` (a server's strings made
printable before they are stored or shown), ``pool`` (hosts in
parallel, one request at a time per host) and ``cms`` (the Coverage API: license token,
envelope checks, one article as one canonical JSON document).
May import: tracker.errors, tracker.models, tracker.config, tracker.hygiene, tracker.watchdog,
tracker.extract.mcd (the canonical article document).
"""
