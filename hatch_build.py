"""Builds the wheel's layout: everything inside the ``backprop_lab`` package.

The repository keeps the product's layout (``engine/``, ``app/``, ``templates/``, ``static/`` at the
top, importing each other as ``engine.x`` and ``app.x``). A wheel must not install top-level
packages with such common names, so this hook stages the wheel as

    backprop_lab/__init__.py ...   (the repository's backprop_lab/)
    backprop_lab/engine/...        (engine/, its absolute imports rewritten to backprop_lab.engine)
    backprop_lab/app/...           (app/, likewise)
    backprop_lab/templates/...     (as they are: package data found with importlib.resources)
    backprop_lab/static/...        (as it is at build time, vendored files fetched by make included)

Only the ``from engine...``/``from app...`` and ``import engine.x as y`` statements are rewritten,
found with ``ast`` (not by a text search); a plain ``import engine.x`` stops the build, since its
name could not be rewritten faithfully. Editable installs (``pip install -e .``) are left alone:
they put the checkout itself on ``sys.path``.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "backprop_lab"
NESTED = ("engine", "app")  # top-level in the repository, PACKAGE.<name> in the wheel
DATA = ("templates", "static")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def rewrite_imports(source: str, filename: str) -> str:
    """``from engine.x import y`` -> ``from backprop_lab.engine.x import y`` (same for ``app``)."""
    lines = source.splitlines(keepends=True)
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in NESTED:
                lines[node.lineno - 1] = _rewrite_line(lines[node.lineno - 1], f"from {top}", filename, node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in NESTED:
                    if alias.asname is None:
                        raise SystemExit(
                            f"{filename}:{node.lineno}: write `from {alias.name} import ...` or "
                            f"`import {alias.name} as name`: the wheel nests it under {PACKAGE}"
                        )
                    lines[node.lineno - 1] = _rewrite_line(
                        lines[node.lineno - 1], alias.name, filename, node, plain_import=True
                    )
    return "".join(lines)


def _rewrite_line(line: str, target: str, filename: str, node: ast.AST, plain_import: bool = False) -> str:
    if plain_import:
        pattern = rf"(?<![\w.]){re.escape(target)}(?=\s+as\b)"
        replacement = f"{PACKAGE}.{target}"
    else:
        top = target.split()[1]
        pattern = rf"\bfrom\s+{top}\b"
        replacement = f"from {PACKAGE}.{top}"
    new, count = re.subn(pattern, replacement, line, count=1)
    if count != 1:
        raise SystemExit(f"{filename}:{node.lineno}: cannot nest this import: {line.strip()}")
    return new


def _files(folder: Path):
    """Every file under ``folder`` but caches and hidden files (``make pyodide``'s stamp, say)."""
    for path in sorted(folder.rglob("*")):
        parts = set(path.relative_to(folder).parts)
        hidden = any(part.startswith(".") for part in parts)
        if path.is_file() and not hidden and not SKIP_PARTS & parts and path.suffix != ".pyc":
            yield path


class NestUnderPackage(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        self._staging = Path(tempfile.mkdtemp(prefix="backprop-lab-wheel-"))
        include = build_data["force_include"]
        sources = [(root / PACKAGE, PACKAGE)] + [(root / name, f"{PACKAGE}/{name}") for name in NESTED]
        for folder, target in sources:
            for path in _files(folder):
                relative = path.relative_to(folder).as_posix()
                if path.suffix == ".py":
                    staged = self._staging / target / relative
                    staged.parent.mkdir(parents=True, exist_ok=True)
                    text = path.read_text(encoding="utf-8")
                    staged.write_text(rewrite_imports(text, str(path.relative_to(root))), encoding="utf-8")
                    include[str(staged)] = f"{target}/{relative}"
                else:
                    include[str(path)] = f"{target}/{relative}"
        for name in DATA:
            for path in _files(root / name):
                include[str(path)] = f"{PACKAGE}/{name}/{path.relative_to(root / name).as_posix()}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        staging = getattr(self, "_staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
