"""Parse a program with Python's ``ast`` and refuse, before anything runs, what the language lacks.

The checks here need only the source: its length, Python syntax, the whitelist of syntax, nesting
depth, statement count, literal sizes and names. Whether a name exists or an attribute fits its
object is only known while running (``engine.expr.interpreter``).
"""

from __future__ import annotations

import ast

from engine.expr.errors import ExprError, Positions, position_of_index
from engine.settings import Settings

# Syntax the language has. Anything else is refused with its name from _SYNTAX_NAMES.
_ALLOWED = (
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.For, ast.Import, ast.ImportFrom, ast.alias,
    ast.Pass, ast.Constant, ast.Name, ast.Attribute, ast.Call, ast.keyword, ast.BinOp, ast.UnaryOp,
    ast.List, ast.Tuple, ast.Subscript, ast.Slice, ast.ListComp, ast.GeneratorExp, ast.comprehension,
    ast.JoinedStr, ast.FormattedValue, ast.Load, ast.Store,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip

OPERATOR_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPERATORS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}  # fmt: skip
ALLOWED_OPERATORS = "+ - * / ** and unary -"

_SYNTAX_NAMES = {
    "Lambda": "lambda", "FunctionDef": "def", "AsyncFunctionDef": "async def", "ClassDef": "class",
    "Return": "return", "Delete": "del", "AnnAssign": "annotated assignment", "AsyncFor": "async for",
    "While": "while", "If": "if", "With": "with", "AsyncWith": "async with", "Match": "match",
    "Raise": "raise", "Try": "try", "TryStar": "try", "Assert": "assert", "Global": "global",
    "Nonlocal": "nonlocal", "Break": "break", "Continue": "continue", "BoolOp": "and/or",
    "NamedExpr": "the := operator", "IfExp": "conditional expression (x if c else y)",
    "Dict": "dict", "Set": "set", "DictComp": "dict comprehension", "SetComp": "set comprehension",
    "Await": "await", "Yield": "yield", "YieldFrom": "yield from", "Compare": "comparison",
    "Starred": "* unpacking", "Del": "del",
}  # fmt: skip


# Characters a web page or a word processor puts where Python has plain ones.
TYPOGRAPHIC = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',  # “ ” „ ″
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",  # ‘ ’ ‚ ′
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u3000": " ",
    "\u2212": "-",  # minus sign
}  # fmt: skip
_TYPOGRAPHIC = str.maketrans(TYPOGRAPHIC)


def plain_source(source: str) -> tuple[str, str | None]:
    """``source`` with typographic quotes, spaces and minus signs as the plain characters, and a
    notice saying where, when it had any; else ``source`` itself and None."""
    plain = source.translate(_TYPOGRAPHIC)
    if plain == source:
        return source, None
    index = next(i for i, (a, b) in enumerate(zip(source, plain)) if a != b)
    line, column = position_of_index(source, index)
    found = sorted({ch for ch in source if ch in TYPOGRAPHIC}, key=source.index)
    shown = " ".join(f"U+{ord(ch):04X}" for ch in found)
    return plain, (
        f"line {line}, column {column}: typographic characters ({shown}), as pasted from a web page, "
        "were read as plain quotes, spaces and minus signs"
    )


def parse_program(source: str, settings: Settings) -> tuple[ast.Module, Positions, str | None]:
    """The checked AST of ``source``, its positions and a notice (or None), or an ``ExprError``.

    A program that only parses once its curly quotes and non-breaking spaces are read as the plain
    characters is read that way, with a notice.
    """
    if len(source) > settings.max_source_chars:
        line, column = position_of_index(source, settings.max_source_chars)
        raise ExprError(
            f"the program is {len(source)} characters long; the limit is {settings.max_source_chars}",
            line,
            column,
        )
    notice = None
    try:
        tree = _parse(source)
    except ExprError:
        plain, notice = plain_source(source)
        if notice is None:
            raise
        source, tree = plain, _parse(plain)  # same length: lines and columns are unchanged
    positions = Positions(source)
    check_tree(tree, positions, settings)
    return tree, positions, notice


def _parse(source: str) -> ast.Module:
    try:
        return ast.parse(source, mode="exec")
    except SyntaxError as exc:  # IndentationError and TabError included
        kind = "indentation error" if isinstance(exc, IndentationError) else "syntax error"
        line = exc.lineno if exc.lineno and exc.lineno > 0 else None
        raise ExprError(f"{kind}: {exc.msg}", line, max(exc.offset or 1, 1) if line else None) from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on very deep nesting ("a+a+...+a" thousands long, "------1") and
        # says nowhere where; the line with the most operators and brackets is the likely culprit.
        lines = source.splitlines() or [""]
        line = max(range(len(lines)), key=lambda i: sum(lines[i].count(c) for c in "+-*/([")) + 1
        raise ExprError(
            "the program is nested too deeply for Python's parser: split long chains such as "
            "a+a+...+a (about 2,000 terms at most) into several statements",
            line,
            1,
        ) from None
    except UnicodeError:
        index = next((i for i, ch in enumerate(source) if 0xD800 <= ord(ch) <= 0xDFFF), 0)
        raise ExprError(
            "the program contains a character that is not valid text", *position_of_index(source, index)
        ) from None
    except (ValueError, SyntaxWarning, DeprecationWarning) as exc:  # warnings raise under "-W error"
        raise ExprError(f"syntax error: {exc}") from None


def check_tree(tree: ast.Module, positions: Positions, settings: Settings) -> None:
    """Walk the tree once, iteratively and in source order, refusing the first problem met.

    Depth counts nesting as a reader sees it: the left operand of a binary operator stays at its
    operator's depth, so a long flat sum ``a + b + c + ...`` is shallow (the interpreter walks that
    chain in a loop), while parentheses on the right, calls and subscripts nest.
    """
    statements = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > settings.max_nesting_depth and hasattr(node, "lineno"):  # not operators/contexts
            raise positions.error(
                f"the program is nested too deeply: more than {settings.max_nesting_depth} levels",
                node,
            )
        if isinstance(node, ast.stmt):
            statements += 1
            if statements > settings.max_statements:
                raise positions.error(f"the program has more than {settings.max_statements} statements", node)
        _check_node(node, positions, settings)
        children = list(ast.iter_child_nodes(node))
        for child in reversed(children):  # reversed: popped in source order
            same_level = isinstance(node, ast.BinOp) and child is node.left
            stack.append((child, depth if same_level else depth + 1))


def _check_node(node: ast.AST, positions: Positions, settings: Settings) -> None:
    if type(node) in _REFUSED_OPERATORS:
        return  # reported by the BinOp/UnaryOp/AugAssign that holds it, where its position is known
    if not isinstance(node, _ALLOWED):
        name = type(node).__name__
        raise positions.error(f"unsupported syntax: {_SYNTAX_NAMES.get(name, name)}", node)
    if isinstance(node, ast.BinOp | ast.AugAssign | ast.UnaryOp):
        _check_operator(node, positions)
    elif isinstance(node, ast.Constant):
        _check_constant(node, positions, settings)
    elif isinstance(node, ast.Name):
        _check_name(node.id, node, positions, settings)
    elif isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            kind = "dunder attributes" if node.attr.startswith("__") else "private attributes"
            raise ExprError(
                f"attribute '.{node.attr}' is not available ({kind} never are)", *positions.attribute(node)
            )
    elif isinstance(node, ast.alias) and node.asname is not None:
        _check_name(node.asname, node, positions, settings)
    elif isinstance(node, ast.keyword) and node.arg is None:
        raise positions.error("unsupported syntax: ** arguments", node.value)
    elif isinstance(node, ast.comprehension):
        if node.ifs:
            raise positions.error("unsupported syntax: if in a comprehension", node.ifs[0])
        if node.is_async:
            raise positions.error("unsupported syntax: async comprehension", node.target)
    elif isinstance(node, ast.For) and node.orelse:
        raise positions.error("unsupported syntax: for ... else", node.orelse[0])
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        raise positions.error(
            "cannot assign to an index (x[i] = ...): assign to a name or .label/.data/.grad", node
        )
    elif isinstance(node, ast.FormattedValue) and not _constant_spec(node):
        raise positions.error("unsupported syntax: a format spec with {...} inside", node.format_spec)


def _constant_spec(node: ast.FormattedValue) -> bool:
    spec = node.format_spec
    return spec is None or all(isinstance(part, ast.Constant) for part in spec.values)


def _check_operator(node: ast.BinOp | ast.AugAssign | ast.UnaryOp, positions: Positions) -> None:
    op = type(node.op)
    if op not in _REFUSED_OPERATORS and (op in OPERATOR_SYMBOLS or isinstance(node, ast.UnaryOp)):
        return
    symbol = _REFUSED_OPERATORS.get(op, op.__name__)
    if isinstance(node, ast.BinOp):
        where = positions.between(node.left, node.right, symbol)
    elif isinstance(node, ast.AugAssign):
        where = positions.between(node.target, node.value, symbol + "=")
    else:
        where = positions.start(node)
    raise ExprError(f"unsupported operator: {symbol}; allowed operators: {ALLOWED_OPERATORS}", *where)


def _check_constant(node: ast.Constant, positions: Positions, settings: Settings) -> None:
    value = node.value
    if isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        if not abs(value) <= settings.max_literal_magnitude:
            raise positions.error(
                f"the number {shown_number(value)} is too large: literals are limited to "
                f"{settings.max_literal_magnitude:g} in magnitude",
                node,
            )
        return
    kinds = {type(None): "None", bytes: "bytes", complex: "complex numbers", type(...): "..."}
    raise positions.error(f"unsupported constant: {kinds.get(type(value), type(value).__name__)}", node)


def shown_number(value: int | float) -> str:
    """A number for a message: ``%g``, or its length for an integer too big for a float (>= 2**1024)."""
    if isinstance(value, int) and value.bit_length() > 1000:
        text = str(abs(value))  # Python's parser refuses literals over 4300 digits before this
        return f"{text[:6]}… (a {len(text)}-digit integer)"
    return f"{value:g}"


def _check_name(name: str, node: ast.AST, positions: Positions, settings: Settings) -> None:
    if name.startswith("__"):
        raise positions.error(f"name '{name}' is not available (names starting with __ never are)", node)
    if len(name) > settings.max_label_chars:
        raise positions.error(f"names are limited to {settings.max_label_chars} characters", node)
