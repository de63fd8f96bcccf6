"""The embedded (GeoPackage) and PostGIS stores (issue #5)."""
