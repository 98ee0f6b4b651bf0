"""Where the web assets live: the Jinja2 templates and the static files.

They sit beside the ``app`` package: in an installed wheel inside the ``backprop_lab`` package
(``backprop_lab/app``, ``backprop_lab/templates``, ``backprop_lab/static``: package data, found
through ``importlib.resources`` wherever it is installed); in a source checkout at the repository
root, beside ``app/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

_PARENT_PACKAGE = __package__.rpartition(".")[0]  # "backprop_lab" in the wheel, "" in a checkout
ASSETS = (
    Path(str(resources.files(_PARENT_PACKAGE))) if _PARENT_PACKAGE else Path(__file__).resolve().parent.parent
)
templates = Jinja2Templates(directory=ASSETS / "templates")
static_files = StaticFiles(directory=ASSETS / "static")
