"""Kinds of zone an alert can fall in, with the labels field users read."""

from __future__ import annotations

KINDS = {
    "protected_area": {"es": "Área natural protegida", "en": "Protected area"},
    "buffer_zone": {"es": "Zona de amortiguamiento", "en": "Buffer zone"},
    "indigenous_land": {"es": "Territorio indígena", "en": "Indigenous territory"},
    "mining_corridor": {"es": "Corredor minero", "en": "Mining corridor"},
    "mining_concession": {"es": "Concesión minera", "en": "Mining concession"},
    "forestry_concession": {"es": "Concesión forestal", "en": "Forestry concession"},
    "admin": {"es": "Límite administrativo", "en": "Administrative unit"},
    "custom": {"es": "Otra zona", "en": "Other zone"},
}
