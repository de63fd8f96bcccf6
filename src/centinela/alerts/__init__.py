"""What people do with alerts once they are in the store.

- :mod:`.evidence` — the evidence package of one alert (before/after chips, index series, zones and legal
  meaning, SHA-256 manifest, zip), byte-identical for the same inputs;
- :mod:`.notify` — digests of new matching alerts by email (SMTP) or signed webhook, through the store's outbox.

Neither imports the store: :func:`centinela.jobs.evidence.evidence_for` reads what a package needs and the
monitoring run (:func:`centinela.jobs.monitor.monitor`) calls ``notify``, each passing the store.
"""
