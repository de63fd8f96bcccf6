"""The colours that mean the same thing everywhere: the bulletin's figures, the web map, its legend and its chart
all read the causes' colours from here (the web page gets them in ``/api/config``), so a cause never has one colour
on paper and another on screen."""

from __future__ import annotations

# Fill colour of an alert by its cause. Mining is the red a reader looks for first; the other cause is a teal that
# stays apart from the map's status outlines (yellow = new) and from the zones' greens and browns.
CAUSE_COLOURS: dict[str, str] = {"mining": "#d32f2f", "other": "#2a9d8f"}
CAUSE_FALLBACK = "#9ca3af"


def cause_colour(cause: str | None) -> str:
    return CAUSE_COLOURS.get(cause or "", CAUSE_FALLBACK)
