"""What people do with alerts once they are in the store.

- :mod:`.evidence` — the evidence package of one alert (before/after chips, index series, zones and legal
  meaning, SHA-256 manifest, zip), byte-identical for the same inputs;
- :mod:`.notify` — digests of new matching alerts by email (SMTP) or signed webhook, through the store's outbox.

Neither imports the store: :func:`.evidence.evidence_for` and :func:`.notify.notify` take it as an argument
(the monitoring run, :func:`centinela.store.monitor.monitor`, calls ``notify``).
"""
