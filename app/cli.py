"""The ``backprop-lab`` command."""

from __future__ import annotations

import argparse
import os
import sys


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from engine.settings import settings

    uvicorn.run(
        f"{__package__}.main:app",  # app.main in a checkout, backprop_lab.app.main when installed
        host=args.host,
        port=args.port,
        reload=args.reload,
        workers=args.workers,  # more than 1 needs BACKPROP_LAB_REDIS_URL (the sessions are shared there)
        # h11, with room for the longest URL the app itself answers (414 past max_url_bytes): httptools
        # refuses any URL over 64 KB with a plain-text 400, shorter than a GET of a long program.
        http="h11",
        h11_max_incomplete_event_size=settings.max_url_bytes + 65_536,
    )
    return 0


RENDER_FORMATS = {".svg": "svg", ".dot": "dot", ".gv": "dot", ".json": "json", ".py": "py"}


def _read_source(arg: str, limit: int) -> str:
    """``-`` reads stdin, ``@path`` reads a file, anything else is the program itself."""
    if arg == "-":
        text = sys.stdin.read(limit + 1)
    elif arg.startswith("@"):
        with open(arg[1:], encoding="utf-8") as f:
            text = f.read(limit + 1)
    else:
        text = arg
    if len(text) > limit:
        raise ValueError(f"the program is longer than {limit} characters")
    return text


def _render(args: argparse.Namespace) -> int:
    from app.render import RenderError, TooLargeToDraw, renderer
    from engine.export import to_micrograd_script
    from engine.expr import ExprError, run_program
    from engine.graph import GraphModel, GraphTooLarge
    from engine.settings import settings

    fmt = args.format
    if fmt is None and args.out not in (None, "-"):
        fmt = RENDER_FORMATS.get(os.path.splitext(args.out)[1].lower())
        if fmt is None:
            print(
                f"cannot tell the format of {args.out!r}: use .svg, .dot, .json or .py, or --format",
                file=sys.stderr,
            )
            return 2
    fmt = fmt or "svg"
    try:
        source = _read_source(args.source, settings.max_source_chars)
        program = run_program(source, output=args.var, settings=settings)
        model = GraphModel.from_program(program, check_gradients=args.check_gradients)
        if fmt == "json":
            from app.schemas.graph import GraphResponse

            collapsed = renderer.plan(model).collapsed
            response = GraphResponse.from_model(model, renderer.unavailable_reason(model), collapsed)
            text = response.model_dump_json(indent=2)
        elif fmt == "dot":
            text = renderer.dot_source(model, args.rankdir)
        elif fmt == "py":
            text = to_micrograd_script(model)
        else:
            text = renderer.svg(renderer.dot_source(model, args.rankdir))
    except (ExprError, GraphTooLarge, TooLargeToDraw, ValueError, OSError) as exc:
        print(str(exc), file=sys.stderr)  # ExprError reads "line L, column C: message"
        return 2
    except RenderError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    if args.out in (None, "-"):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backprop-lab", description="Make backpropagation visible.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the web server",
        description="Serves the playground, /train and the API. HOST and PORT in the environment set the "
        "defaults (as in the Docker image); BACKPROP_LAB_* variables set the limits.",
    )
    serve.add_argument(
        "--host", default=os.environ.get("HOST", "127.0.0.1"), help="default: $HOST or 127.0.0.1"
    )
    serve.add_argument(
        "--port", type=int, default=os.environ.get("PORT", "8000"), help="default: $PORT or 8000"
    )
    serve.add_argument("--reload", action="store_true", help="restart on code changes")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than 1 needs BACKPROP_LAB_REDIS_URL)"
    )
    serve.set_defaults(func=_serve)

    render = sub.add_parser(
        "render",
        help="draw a program's graph as SVG, DOT, JSON or a micrograd script",
        description='Example: backprop-lab render "a = Value(2.0); b = a*a + a" -o graph.svg',
    )
    render.add_argument("source", help="the program; '-' reads stdin, '@path' reads a file")
    render.add_argument("-o", "--out", help="output file, format from its extension (default: stdout)")
    render.add_argument("-f", "--format", choices=["svg", "dot", "json", "py"], help="default: svg")
    render.add_argument("--var", help="the variable to backpropagate from (default: the last Value)")
    render.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="drawing direction")
    render.add_argument(
        "--check-gradients", action="store_true", help="add a numerical gradient check (json)"
    )
    render.set_defaults(func=_render)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
