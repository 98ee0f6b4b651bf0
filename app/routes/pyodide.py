"""The Python bundle of the playground's Python mode: what Pyodide loads into the browser.

One zip of pure-Python files, put on Pyodide's path as it is (zipimport) by the page's worker
(static/js/playground/python-worker.js): the engine modules the graph reader needs (read from the
installed ``engine`` package with ``importlib.resources``, so it works from a wheel as from a
checkout), the ``micrograd`` shim and the runner (static/py). Nothing in it runs on the server.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request, Response

import engine.value as engine_value
from app.web import static_files

router = APIRouter(include_in_schema=False)

# The engine modules the runner imports, directly or not (stdlib only, no numpy, no graphviz).
ENGINE_MODULES = (
    "__init__.py",
    "value.py",
    "nn.py",
    "settings.py",
    "ops.py",
    "graph.py",
    "reader.py",
    "clusters.py",
    "drawing.py",
    "graph_json.py",
)
# static/py: the runner and the micrograd shim
PY_DIR = "py"


# "engine" in a checkout, "backprop_lab.engine" in an installed wheel (hatch_build.py nests it there
# and rewrites its imports); in the browser the modules are the top-level package "engine" again.
ENGINE_PACKAGE = engine_value.__package__
_NESTED_IMPORT = re.compile(rb"\b(from|import)(\s+)" + re.escape(ENGINE_PACKAGE.encode()) + rb"\b")


def browser_source(source: bytes) -> bytes:
    """An engine module as Pyodide imports it: imports of the nested package made top-level again."""
    return _NESTED_IMPORT.sub(rb"\1\2engine", source) if ENGINE_PACKAGE != "engine" else source


@cache
def bundle() -> tuple[bytes, str]:
    """The zip and its ETag, built once per process."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        package = resources.files(ENGINE_PACKAGE)
        for name in ENGINE_MODULES:
            archive.writestr(f"engine/{name}", browser_source(package.joinpath(name).read_bytes()))
        root = Path(str(static_files.directory)) / PY_DIR
        for path in sorted(root.rglob("*.py")):
            archive.writestr(path.relative_to(root).as_posix(), path.read_bytes())
    data = buffer.getvalue()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


@router.get("/pyodide/bundle.zip")
def python_bundle(request: Request) -> Response:
    """The zip; the browser revalidates it with its ETag, so a new server version is picked up."""
    data, etag = bundle()
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/zip", headers=headers)
