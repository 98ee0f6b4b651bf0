"""Pydantic models of the HTTP API: the single source of each request and response shape."""
