"""The event feed as a contract: JSON Schemas generated from the payload types each service declares.

A service lists what it publishes as `EVENTS = {"plan.item.coded": ItemCoded, ...}` where each payload is a
TypedDict (fields may be StrEnums, Literals, nested TypedDicts, lists, `| None`, and the `Date`, `DateTime`
and `Region` strings below). `schemas` turns them into one JSON Schema per event type (the whole CloudEvent,
`data` included); `python -m wurao_common.bus.contract DIR module:EVENTS... [--check]` writes or checks the
committed files, as `wurao_common.sdl` does for the SDL.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import json
import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

DRAFT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Format:
    """A string's shape: a JSON Schema `format` for readers, and a `pattern` that any validator enforces."""

    name: str
    pattern: str


Date = Annotated[str, Format("date", r"^\d{4}-\d{2}-\d{2}$")]
DateTime = Annotated[str, Format("date-time", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")]
Region = Annotated[str, Format("gb2260", r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")]

Registry = Mapping[str, type]
# The event types of the bus plumbing's own tests (libs/wurao-common/tests): no service publishes them.
PLUMBING_TESTS = "test."


def _schema_of(hint: Any) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin is Annotated:
        base, *extras = get_args(hint)
        schema = _schema_of(base)
        for extra in extras:
            if isinstance(extra, Format):
                schema |= {"format": extra.name, "pattern": extra.pattern}
        return schema
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        present = [option for option in options if option is not type(None)]
        schemas = [_schema_of(option) for option in present]
        inner = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        return {"anyOf": [inner, {"type": "null"}]} if len(present) < len(options) else inner
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if origin in (list, tuple) or hint in (list, tuple):
        args = [arg for arg in get_args(hint) if arg is not Ellipsis]
        return {"type": "array", "items": _schema_of(args[0])} if args else {"type": "array"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if typing.is_typeddict(hint):
        return _object_schema(hint)
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"no JSON Schema for {hint!r}: use str, int, bool, float, enums, Literal, list, TypedDict")


def _object_schema(payload: type) -> dict[str, Any]:
    hints = get_type_hints(payload, include_extras=True)
    properties: dict[str, Any] = {}
    required = []
    for name, hint in hints.items():
        optional = get_origin(hint) is NotRequired
        if get_origin(hint) in (NotRequired, Required):
            hint = get_args(hint)[0]
        properties[name] = _schema_of(hint)
        if not optional and name in payload.__required_keys__:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def event_schema(event_type: str, payload: type) -> dict[str, Any]:
    """The whole CloudEvent of one type, as `wurao_common.bus.envelope.Event.to_json` writes it."""
    service = event_type.split(".", 1)[0]
    data = _object_schema(payload)
    if payload.__doc__:
        data = {"description": " ".join(payload.__doc__.split()), **data}
    return {
        "$schema": DRAFT,
        "$id": f"urn:wurao:event:{event_type}",
        "title": event_type,
        "type": "object",
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "minLength": 1},
            "source": {"const": f"/wurao/{service}"},
            "type": {"const": f"cn.wurao.{event_type}"},
            "time": _schema_of(DateTime),
            "datacontenttype": {"const": "application/json"},
            "region": _schema_of(Region),
            "subject": {"type": "string"},
            "traceparent": {"type": "string"},
            "data": data,
        },
        "required": ["specversion", "id", "source", "type", "time", "region", "data"],
        "additionalProperties": False,
    }


def schemas(registries: list[Registry]) -> dict[str, dict[str, Any]]:
    """Every event type's schema; a type declared by two services is a mistake."""
    found: dict[str, dict[str, Any]] = {}
    for registry in registries:
        for event_type, payload in registry.items():
            if event_type in found:
                raise ValueError(f"event type {event_type} is declared twice")
            found[event_type] = event_schema(event_type, payload)
    return dict(sorted(found.items()))


def rendered(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def load_registry(target: str) -> Registry:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute or "EVENTS")


def drift(folder: Path, expected: dict[str, dict[str, Any]]) -> list[str]:
    """What differs between the committed schema files and the code."""
    problems = []
    committed = {path.name.removesuffix(".schema.json") for path in folder.glob("*.schema.json")}
    for stale in sorted(committed - expected.keys()):
        problems.append(f"{stale}: a committed schema for a type the code no longer publishes")
    for event_type, schema in expected.items():
        path = folder / f"{event_type}.schema.json"
        if not path.exists():
            problems.append(f"{event_type}: no committed schema")
        elif path.read_text() != rendered(schema):
            problems.append(f"{event_type}: the committed schema differs from the code")
    return problems


_DOC_ROW = re.compile(r"^\| `(?P<type>[a-z_]+\.[a-z_]+\.[a-z_]+)` \|(?P<region>[^|]*)\|(?P<data>[^|]*)\|")


def undocumented(catalogue: str, registries: list[Registry]) -> list[str]:
    """What the catalogue's table (`| type | region | data | when |`) misses or keeps stale against the code."""
    rows = {match["type"]: match["data"] for line in catalogue.splitlines() if (match := _DOC_ROW.match(line))}
    problems = []
    declared: dict[str, type] = {}
    for registry in registries:
        declared.update(registry)
    for stale in sorted(rows.keys() - declared.keys()):
        problems.append(f"{stale}: documented but not published by any service")
    for event_type, payload in sorted(declared.items()):
        if event_type not in rows:
            problems.append(f"{event_type}: published but not in the catalogue")
            continue
        named = set(re.findall(r"`([A-Za-z]+)`", rows[event_type]))
        missing = [field for field in get_type_hints(payload) if field not in named]
        if missing:
            problems.append(f"{event_type}: the catalogue does not name {', '.join(missing)}")
    return problems


class Conformance:
    """Judges raw CloudEvents against the committed schemas; what it finds wrong it keeps, to report at the end."""

    def __init__(self, folder: Path):
        from jsonschema import Draft202012Validator

        self._validators = {
            path.name.removesuffix(".schema.json"): Draft202012Validator(json.loads(path.read_text()))
            for path in sorted(folder.glob("*.schema.json"))
        }
        if not self._validators:
            raise FileNotFoundError(f"no event schemas in {folder}")
        self.checked: dict[str, int] = {}
        self.problems: dict[str, int] = {}  # each distinct problem, and how many events had it

    def check(self, raw: bytes) -> None:
        try:
            envelope = json.loads(raw)
            event_type = str(envelope["type"]).removeprefix("cn.wurao.")
        except (ValueError, KeyError, TypeError):
            self._found(f"not a wurao CloudEvent: {raw[:200]!r}")
            return
        if event_type.startswith(PLUMBING_TESTS):
            return
        validator = self._validators.get(event_type)
        if validator is None:
            self._found(f"{event_type}: published, but no schema declares it")
            return
        self.checked[event_type] = self.checked.get(event_type, 0) + 1
        for error in validator.iter_errors(envelope):
            where = "/".join(str(part) for part in error.absolute_path) or "(event)"
            self._found(f"{event_type}: {where}: {error.message}")

    def _found(self, problem: str) -> None:
        self.problems[problem] = self.problems.get(problem, 0) + 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the <type>.schema.json files live")
    parser.add_argument("registries", nargs="+", help="module:EVENTS of each publishing service")
    parser.add_argument("--check", action="store_true", help="only report drift, write nothing")
    args = parser.parse_args(argv)
    expected = schemas([load_registry(target) for target in args.registries])
    if args.check:
        problems = drift(args.folder, expected)
        for problem in problems:
            print(f"{args.folder}/{problem} (run `make events`)", file=sys.stderr)
        return 1 if problems else 0
    args.folder.mkdir(parents=True, exist_ok=True)
    for stale in args.folder.glob("*.schema.json"):
        if stale.name.removesuffix(".schema.json") not in expected:
            stale.unlink()
    for event_type, schema in expected.items():
        (args.folder / f"{event_type}.schema.json").write_text(rendered(schema))
    return 0


if __name__ == "__main__":
    # Run the imported module's main: the services' payload types refer to its `Format`, not to __main__'s.
    from wurao_common.bus import contract

    raise SystemExit(contract.main())
