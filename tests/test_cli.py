"""``backprop-lab render``: formats by extension, source from a file or stdin, errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.cli import main
from app.schemas.graph import README_PROGRAM
from tests.svg_layout import direction

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = "a = Value(2.0); b = a*a + a"


def test_render_svg_file(tmp_path):
    out = tmp_path / "graph.svg"
    assert main(["render", PROGRAM, "-o", str(out)]) == 0
    root = ET.fromstring(out.read_text())
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"node-n0", "node-n2", "op-n1", "edge-e0", "edge-e1"} <= ids


@pytest.mark.parametrize("suffix, marker", [(".dot", "digraph backprop"), (".py", "from micrograd.engine")])
def test_render_text_formats_by_extension(tmp_path, suffix, marker):
    out = tmp_path / f"graph{suffix}"
    assert main(["render", PROGRAM, "-o", str(out)]) == 0
    assert marker in out.read_text()


def test_render_json_from_a_file_with_gradient_check(tmp_path):
    source = tmp_path / "prog.py"
    source.write_text(README_PROGRAM)
    out = tmp_path / "graph.json"
    assert main(["render", f"@{source}", "-o", str(out), "--var", "g", "--check-gradients"]) == 0
    data = json.loads(out.read_text())
    named = {n["name"]: n for n in data["nodes"] if n["name"]}
    assert f"{named['a']['grad']:.4f}" == "138.8338"
    assert all(c["ok"] for c in data["gradient_check"])


def test_render_to_stdout_with_format(capsys):
    assert main(["render", PROGRAM, "--format", "dot", "--rankdir", "TB"]) == 0
    assert capsys.readouterr().out.startswith("digraph")
    for rankdir in ("TB", "LR"):  # the drawing really turns, not just its text
        assert main(["render", PROGRAM, "--format", "svg", "--rankdir", rankdir]) == 0
        assert direction(capsys.readouterr().out, "node-n0", "node-n1") == rankdir


def test_program_error_goes_to_stderr_with_exit_2(capsys, tmp_path):
    out = tmp_path / "graph.svg"
    assert main(["render", "a = Value(1.0)\nb = a +", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("line 2, column ")
    assert not out.exists()


def test_unknown_extension_and_missing_file_exit_2(capsys, tmp_path):
    assert main(["render", PROGRAM, "-o", str(tmp_path / "graph.png")]) == 2
    assert "format" in capsys.readouterr().err
    assert main(["render", f"@{tmp_path / 'missing.py'}"]) == 2
    assert "missing.py" in capsys.readouterr().err


def test_too_large_to_draw_whole_is_drawn_folded(capsys):
    source = "x = Value(1.0)\ny = " + " + ".join(["x"] * 250)
    assert main(["render", source]) == 0
    svg = capsys.readouterr().out
    assert svg.startswith("<?xml") and 'class="node box kind-fold"' in svg


def test_console_script_reads_stdin(tmp_path):
    out = tmp_path / "graph.dot"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "render", "-", "-o", str(out)],
        input=PROGRAM,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().count("n0 -> n1op") == 2
