"""The life of an alert: statuses and the transitions people may make between them."""

from __future__ import annotations

from ..errors import InputError

STATUSES = ("new", "under_review", "verified_mining", "verified_other", "false_positive", "referred", "closed")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("under_review", "verified_mining", "verified_other", "false_positive"),
    "under_review": ("verified_mining", "verified_other", "false_positive", "new"),
    "verified_mining": ("referred", "closed", "under_review"),
    "verified_other": ("closed", "under_review"),
    "false_positive": ("closed", "under_review"),
    "referred": ("closed",),
    "closed": ("under_review",),  # reopened when new evidence arrives
}

LABELS = {
    "new": {"es": "nueva", "en": "new"},
    "under_review": {"es": "en revisión", "en": "under review"},
    "verified_mining": {"es": "verificada: minería", "en": "verified: mining"},
    "verified_other": {"es": "verificada: otra causa", "en": "verified: other cause"},
    "false_positive": {"es": "falso positivo", "en": "false positive"},
    "referred": {"es": "derivada a fiscalía", "en": "referred to prosecutors"},
    "closed": {"es": "cerrada", "en": "closed"},
}


def check_transition(alert_id: str, old: str, new: str) -> None:
    """Raise with the allowed next statuses when ``old → new`` is not a valid step."""
    if new not in STATUSES:
        raise InputError(f"unknown status '{new}'; expected one of {', '.join(STATUSES)}")
    if new not in TRANSITIONS[old]:
        raise InputError(
            f"alert {alert_id}: cannot go from '{old}' to '{new}'; from '{old}' it may go to "
            f"{', '.join(TRANSITIONS[old])}"
        )
