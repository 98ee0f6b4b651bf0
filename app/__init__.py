"""Backprop Lab's web application (FastAPI)."""
