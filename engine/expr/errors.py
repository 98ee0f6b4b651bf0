"""Where things are in a program (``Span``) and what went wrong there (``ExprError``)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from engine.graph import plain_text


@dataclass(frozen=True)
class Span:
    """A stretch of source text: 1-based line and column (in characters), end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class ExprError(ValueError):
    """A program error, with the 1-based line and column it applies to (``None`` when none does)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = plain_text(message)  # it may quote the program: no lone surrogates in JSON
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}, column {self.column or 1}: {self.message}"

    def at(self, line: int | None, column: int | None) -> ExprError:
        """This error placed at ``line``/``column`` (itself when it already has a place)."""
        return self if self.line is not None else ExprError(self.message, line, column)


class NothingToDraw(ExprError):
    """The program ran but made no Value to draw; what it printed is still its answer."""

    def __init__(self, message: str, prints: list[tuple[int, str]]):
        super().__init__(message)
        self.prints = prints


class Positions:
    """Turns the AST's (line, UTF-8 byte offset) pairs into 1-based character columns.

    Python's ``ast`` counts columns in bytes; an editor counts characters, so "é" would shift every
    column after it by one.
    """

    def __init__(self, source: str):
        # The tokenizer ends lines at \n, \r\n and a lone \r (str.splitlines knows more separators).
        self.lines = re.split(r"\r\n|\r|\n", source)

    def column(self, line: int, byte_offset: int) -> int:
        text = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset + 1
        prefix = text.encode("utf-8", "surrogatepass")[:byte_offset]
        return len(prefix.decode("utf-8", "ignore")) + 1

    def start(self, node: ast.AST) -> tuple[int | None, int | None]:
        line = getattr(node, "lineno", None)
        if line is None:
            return None, None
        return line, self.column(line, node.col_offset)

    def span(self, node: ast.AST) -> Span:
        line, column = self.start(node)
        end_line = node.end_lineno or line
        return Span(line, column, end_line, self.column(end_line, node.end_col_offset))

    def error(self, message: str, node: ast.AST | None) -> ExprError:
        return ExprError(message, *self.start(node)) if node is not None else ExprError(message)

    def attribute(self, node: ast.Attribute) -> tuple[int | None, int | None]:
        """Where the name after the dot starts (``node`` itself starts at the object)."""
        line = node.end_lineno
        if line is None:
            return self.start(node)
        return line, self.column(line, node.end_col_offset - len(node.attr.encode("utf-8")))

    def between(self, left: ast.AST, right: ast.AST, symbol: str) -> tuple[int | None, int | None]:
        """Where ``symbol`` (an operator) is written between two nodes on one line; else ``left``'s start."""
        line = left.end_lineno
        if line is not None and line == getattr(right, "lineno", None):
            begin = self.column(line, left.end_col_offset) - 1
            end = self.column(line, right.col_offset) - 1
            found = self.lines[line - 1].find(symbol, begin, end)
            if found >= 0:
                return line, found + 1
        return self.start(left)


def position_of_index(source: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` of ``source``."""
    lines = re.split(r"\r\n|\r|\n", source[:index])
    return len(lines), len(lines[-1]) + 1
