"""The life of an alert: statuses, the transitions people may make between them, and which roles may make them.

The rules live here, in the store, so the web API and the command line refuse the same steps."""

from __future__ import annotations

from ..errors import CentinelaError, InputError
from ..i18n import t

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

# Rangers confirm or dismiss in the field (docs/web.md): they move alerts among these statuses only.
# Referring, closing and reopening a closed alert is the analysts' (and admins') call.
RANGER_STEPS = frozenset({"new", "under_review", "verified_mining", "verified_other", "false_positive"})
RANGER_TARGETS = frozenset({"under_review", "verified_mining", "verified_other", "false_positive"})
CHANGERS = ("ranger", "analyst", "admin")  # roles with the "status" permission (store/users.py)


class StepNotAllowed(CentinelaError, PermissionError):
    """A valid lifecycle step that the person's role may not make (the web answers 403)."""


def next_statuses(old: str, role: str | None = None) -> tuple[str, ...]:
    """The statuses an alert in ``old`` may move to; ``role`` (a web user's) narrows them. ``None`` is the
    operator at the command line who is no registered user: every lifecycle step."""
    steps = TRANSITIONS.get(old, ())
    if role is None or role in ("analyst", "admin"):
        return steps
    if role == "ranger" and old in RANGER_STEPS:
        return tuple(s for s in steps if s in RANGER_TARGETS)
    return ()


def check_transition(alert_id: str, old: str, new: str, role: str | None = None) -> None:
    """Raise with the allowed next statuses when ``old → new`` is not a valid step, or (``StepNotAllowed``)
    when it is one that ``role`` may not make."""
    if new not in STATUSES:
        raise InputError(f"unknown status '{new}'; expected one of {', '.join(STATUSES)}")
    if new not in TRANSITIONS[old]:
        raise InputError(
            f"alert {alert_id}: cannot go from '{old}' to '{new}'; from '{old}' it may go to "
            f"{', '.join(TRANSITIONS[old])}"
        )
    if new in next_statuses(old, role):
        return
    allowed = next_statuses(old, role)
    if role not in CHANGERS:
        why, fmt = "web.step.no_changes", {}
    elif old == "closed":
        why, fmt = "web.step.reopen", {}
    else:
        why, fmt = "web.step.allowed", {"steps": ", ".join(allowed) if allowed else "—"}
    said = {"alert_id": alert_id, "role": role, "old": old, "new": new}
    raise StepNotAllowed(
        " / ".join(f"{t('web.step.refused', lang, **said)}: {t(why, lang, **fmt)}" for lang in ("es", "en"))
    )
