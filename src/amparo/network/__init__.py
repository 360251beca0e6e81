"""Extortion networks: reports, their indicators, clusters of reports that share one, look-ups."""
