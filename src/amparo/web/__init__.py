"""The web faces of Amparo: the JSON API under /api/v1 and the pages."""
