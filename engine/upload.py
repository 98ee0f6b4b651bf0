"""Reading your own points from a CSV: ``x,y,class`` or ``x,y,value``, errors naming the line.

One point per line; ``,``, ``;`` or a tab between the three numbers (the first data line decides);
blank lines and ``#`` comments are skipped, and so is a first line that is not numbers (a header).
The third column holds classes (0, 1, ... without gaps) when every one is a whole number from 0 to
max_classes - 1, and values to predict otherwise, or when the header calls it ``value``/``target``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.settings import Settings

VALUE_HEADERS = ("value", "target", "z", "output")


@dataclass
class ParsedPoints:
    points: list[tuple[float, float, int | float]] = field(default_factory=list)
    dataset: str = "custom"
    n_classes: int = 0
    header: bool = False
    error: str | None = None
    line: int | None = None
    column: int | None = None
    status: int = 400


class _Bad(Exception):
    def __init__(self, message: str, line: int | None = None, column: int | None = None, status: int = 400):
        super().__init__(message)
        self.message, self.line, self.column, self.status = message, line, column, status


def parse_points_csv(text: str, settings: Settings) -> ParsedPoints:
    try:
        return _parse(text, settings)
    except _Bad as bad:
        where = f"line {bad.line}: " if bad.line is not None else ""
        return ParsedPoints(error=where + bad.message, line=bad.line, column=bad.column, status=bad.status)


def _parse(text: str, settings: Settings) -> ParsedPoints:
    rows: list[tuple[int, list[tuple[str, int]]]] = []  # (line number, [(field, column)])
    separator: str | None = None
    header: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if separator is None:
            separator = next((s for s in (",", ";", "\t") if s in line), ",")
        fields = _split(raw, separator)
        if not rows and header is None and not all(_is_number(f) for f, _ in fields):
            header = [f.strip().lower() for f, _ in fields]
            continue
        rows.append((number, fields))
        if len(rows) > settings.max_custom_points:
            raise _Bad(
                f"more than {settings.max_custom_points} points (max_custom_points); this is point "
                f"{len(rows)}",
                number,
                status=413,
            )
    if len(rows) < 2:
        raise _Bad(f"the file has {len(rows)} point{'' if len(rows) == 1 else 's'}; at least 2 are needed")
    points: list[tuple[float, float, float]] = []
    for number, fields in rows:
        if len(fields) != 3:
            found = len(fields)
            raise _Bad(
                f"expected 3 values (x, y, class or value) separated by {_name(separator)}, found {found}",
                number,
            )
        values = []
        for (text_value, column), name in zip(fields, ("x", "y", "the class or value")):
            try:
                value = float(text_value)
            except ValueError:
                raise _Bad(f"{name} {text_value.strip()!r} is not a number", number, column) from None
            if not math.isfinite(value):
                raise _Bad(f"{name} must be a finite number, not {text_value.strip()!r}", number, column)
            values.append(value)
        points.append((values[0], values[1], values[2]))
    wants_values = header is not None and len(header) == 3 and header[2] in VALUE_HEADERS
    classes = [p[2] for p in points]
    if not wants_values and all(c.is_integer() and 0 <= c < settings.max_classes for c in classes):
        return _classes(points, rows, header is not None, settings)
    return ParsedPoints(points=points, dataset="custom_regression", n_classes=0, header=header is not None)


def _classes(points, rows, header: bool, settings: Settings) -> ParsedPoints:
    labels = sorted({int(p[2]) for p in points})
    if len(labels) < 2:
        raise _Bad(f"every point has class {labels[0]}: classes need at least 2 (0 and 1)")
    missing = sorted(set(range(labels[-1] + 1)) - set(labels))
    if missing:
        first = next(n for (n, _), p in zip(rows, points) if int(p[2]) == labels[-1])
        raise _Bad(
            f"class {labels[-1]} is used but no point has class {', '.join(map(str, missing))}: "
            "number the classes 0, 1, 2, ... without gaps",
            first,
        )
    typed = [(x, y, int(c)) for x, y, c in points]
    return ParsedPoints(points=typed, dataset="custom", n_classes=len(labels), header=header)


def _split(raw: str, separator: str) -> list[tuple[str, int]]:
    """The fields of a line with the 1-based column where each starts."""
    out, start = [], 0
    for part in raw.split(separator):
        stripped = len(part) - len(part.lstrip())
        out.append((part, start + stripped + 1))
        start += len(part) + len(separator)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _name(separator: str | None) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs"}.get(separator or ",", "commas")
