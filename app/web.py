"""Where the web assets live: the Jinja2 templates and the static files."""

from __future__ import annotations

from pathlib import Path

from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")
static_files = StaticFiles(directory=ROOT / "static")
