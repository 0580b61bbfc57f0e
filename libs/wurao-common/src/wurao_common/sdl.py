"""Export a subgraph's federation SDL (what `_service { sdl }` answers) to its committed schema.graphql.

python -m wurao_common.sdl wurao_plan.api.schema:schema services/plan/schema.graphql [--check]
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import strawberry


def subgraph_sdl(schema: strawberry.Schema) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    if result.errors:
        raise RuntimeError(f"cannot read the SDL: {result.errors}")
    return result.data["_service"]["sdl"].rstrip() + "\n"


def load_schema(target: str) -> strawberry.Schema:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute or "schema")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("schema", help="module:attribute of the Strawberry schema")
    parser.add_argument("path", type=Path)
    parser.add_argument("--check", action="store_true", help="fail if the file differs instead of writing it")
    args = parser.parse_args(argv)
    sdl = subgraph_sdl(load_schema(args.schema))
    if args.check:
        if not args.path.exists() or args.path.read_text() != sdl:
            print(f"{args.path} is out of date: run `make sdl`", file=sys.stderr)
            return 1
        return 0
    args.path.write_text(sdl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
