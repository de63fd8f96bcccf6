"""Workflows that chain the stages, one function each, called by the command line and the web alike.

- :mod:`.detect` — the line a person reads about a detection run (the command and the demo);
- :mod:`.monitor` — a monitoring run: detection for a saved area from where it stopped, merged into the
  store with its notifications in one transaction, then delivery;
- :mod:`.evidence` — an alert's evidence package, recorded in the audit log with its SHA-256;
- :mod:`.mercury` — a laboratory campaign: results in, QA/QC, exposure advice and guides, maps;
- :mod:`.restore` — restoration: tracking sites, inventory of mined land, suitability;
- :mod:`.demo` — the demo, every stage on a simulated scene; :mod:`.demo_restore`, :mod:`.demo_drone` — its
  restoration and drone steps.

The stages below know nothing of these (``tool.importlinter`` in pyproject.toml checks it in CI).
"""
