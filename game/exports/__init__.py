"""Exporters: pure functions from results to documents other tools read."""
