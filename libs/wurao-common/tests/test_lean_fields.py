"""Every subgraph's schema runs its fields through wurao_common.lean_fields: the same answers as Strawberry's own
field execution (each test runs both ways and compares), for what the lean path serves and what it leaves to
Strawberry."""

from __future__ import annotations

import copy
import enum
from typing import Annotated

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLUnionType

from wurao_common.errors import ClientError, NotFound
from wurao_common.lean_fields import LEAN
from wurao_common.web import build_schema


class Colour(enum.Enum):
    RED = "red"
    DEEP_BLUE = "deep blue"


ColourType = strawberry.enum(Colour, name="Colour")


@strawberry.interface
class Named:
    display_name: str


@strawberry.type
class Found(Named):
    size_in_cm: int


@strawberry.type
class Missing:
    reason_given: str


@strawberry.type
class Refused:
    reason_given: str


class FoundLater(Found):
    """A plain subclass of a member (no definition of its own): Strawberry's resolution, not the table's."""


Outcome = Annotated[Found | Missing | Refused, strawberry.union("Outcome")]


@strawberry.input
class Window:
    from_size: int = 0
    to_size: int = 100


@strawberry.federation.type(keys=["id"])
class Thing:
    id: strawberry.ID
    label_text: str

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Thing:
        return cls(id=id, label_text=f"thing {id}")

    @strawberry.field
    async def shout(self, times_over: int = 2) -> str:
        return self.label_text.upper() * times_over


def _outcome(kind: str):
    match kind:
        case "found":
            return Found(display_name="a box", size_in_cm=30)
        case "later":
            return FoundLater(display_name="a late box", size_in_cm=31)
        case "missing":
            return Missing(reason_given="not here")
        case "refused":
            return Refused(reason_given="no")
        case "cast":  # a Missing presented as a Refused
            return strawberry.cast(Refused, Missing(reason_given="cast"))
    return "no outcome at all"


@strawberry.type
class Query:
    @strawberry.field
    async def outcome(self, kind: str) -> Outcome:
        return _outcome(kind)

    @strawberry.field
    def outcome_now(self, kind: str) -> Outcome:
        return _outcome(kind)

    @strawberry.field
    async def named(self) -> Named:
        return Found(display_name="through the interface", size_in_cm=1)

    @strawberry.field
    async def echo(
        self,
        info: strawberry.Info,
        some_text: str,
        repeat_count: int = 1,
        colour: ColourType | None = None,
        item_id: strawberry.ID | None = None,
        left_out: str | None = strawberry.UNSET,
    ) -> str:
        unset = "unset" if left_out is strawberry.UNSET else left_out
        return f"{some_text * repeat_count}|{colour!r}|{item_id}|{unset}|{info.field_name}|{type(self).__name__}"

    @strawberry.field
    def sizes(self, window: Window, also: list[int] | None = None) -> list[int]:
        return [window.from_size, window.to_size, *(also or [])]

    @strawberry.field
    async def global_id(self, of: strawberry.relay.GlobalID, maybe_of: strawberry.relay.GlobalID | None = None) -> str:
        return f"{of.type_name}:{of.node_id}|{maybe_of.type_name if maybe_of else None}"

    @strawberry.field
    async def thing(self) -> Thing:
        return Thing(id=strawberry.ID("7"), label_text="seven")

    @strawberry.field
    async def refuse(self, reason_text: str) -> str:
        raise ClientError(reason_text)

    @strawberry.field
    def not_found(self) -> str:
        raise NotFound("nothing by that id")

    @strawberry.field
    async def crash(self) -> str:
        raise RuntimeError("a bug, not the client's doing")


def _schemas():
    return {lean: build_schema(query=Query, types=[Thing, Found], lean=lean) for lean in (True, False)}


SCHEMAS = _schemas()


def _without_trace(extensions: dict | None) -> dict | None:
    """A masked error's trace id differs from one request to the next."""
    return {key: value for key, value in extensions.items() if key != "traceId"} if extensions else extensions


async def _both(query: str, variables: dict | None = None) -> dict:
    """The answer of the lean schema, checked to be Strawberry's own answer."""
    answers = []
    for lean in (True, False):
        # a copy each: Strawberry's _entities takes `__typename` out of each representation it is given
        result = await SCHEMAS[lean].execute(query, variable_values=copy.deepcopy(variables), context_value={})
        answers.append(
            {
                "data": result.data,
                "errors": [
                    (error.message, error.path, _without_trace(error.extensions)) for error in result.errors or ()
                ],
            }
        )
    assert answers[0] == answers[1]
    return answers[0]


def test_the_lean_path_serves_the_plain_fields_unions_and_interface_types_and_leaves_the_rest_to_strawberry():
    graphql_schema = SCHEMAS[True]._schema
    query_fields = graphql_schema.query_type.fields
    lean_fields = {name for name, field in query_fields.items() if getattr(field.resolve, LEAN, False)}
    # Strawberry converts `sizes`' input type and list, `globalId`'s global ids and `_entities`' representations
    assert lean_fields == set(query_fields) - {"sizes", "globalId", "_entities"}
    assert getattr(graphql_schema.get_type("Thing").fields["labelText"].resolve, LEAN, False)
    assert getattr(graphql_schema.get_type("Outcome").resolve_type, LEAN, False)
    assert getattr(graphql_schema.get_type("Found").is_type_of, LEAN, False)
    strawberry_schema = SCHEMAS[False]._schema
    for graphql_type in strawberry_schema.type_map.values():
        if isinstance(graphql_type, GraphQLUnionType):
            assert not getattr(graphql_type.resolve_type, LEAN, False)
        if isinstance(graphql_type, GraphQLObjectType):
            assert not any(getattr(field.resolve, LEAN, False) for field in graphql_type.fields.values())


@pytest.mark.parametrize("field", ["outcome", "outcomeNow"])
@pytest.mark.parametrize(
    ("kind", "type_name"),
    [("found", "Found"), ("later", "Found"), ("missing", "Missing"), ("refused", "Refused"), ("cast", "Refused")],
)
async def test_each_union_member_resolves_to_its_own_type_and_a_cast_value_to_the_type_it_is_cast_to(
    field, kind, type_name
):
    answer = await _both(
        f'{{ {field}(kind: "{kind}") {{ __typename ... on Named {{ displayName }} '
        "... on Missing { reasonGiven } ... on Refused { reasonGiven } } }"
    )
    assert answer["errors"] == []
    assert answer["data"][field]["__typename"] == type_name


async def test_a_value_of_no_member_type_is_an_error_of_the_field_masked_as_internal():
    answer = await _both('{ outcome(kind: "none") { __typename } }')
    assert answer["data"] is None
    [(message, path, extensions)] = answer["errors"]
    assert (message, path, extensions["code"]) == ("Internal error.", ["outcome"], "INTERNAL")


async def test_a_type_reached_through_its_interface_resolves_to_itself():
    answer = await _both("{ named { __typename displayName ... on Found { sizeInCm } } }")
    assert answer == {
        "data": {"named": {"__typename": "Found", "displayName": "through the interface", "sizeInCm": 1}},
        "errors": [],
    }


async def test_camel_case_arguments_reach_the_snake_case_parameters_with_info_and_the_resolvers_defaults():
    answer = await _both(
        "query($text: String!, $times: Int) { given: echo(someText: $text, repeatCount: $times, colour: DEEP_BLUE,"
        ' itemId: 42, leftOut: null) defaults: echo(someText: "x") }',
        {"text": "ab", "times": 2},
    )
    assert answer["errors"] == []
    assert answer["data"] == {
        "given": "abab|<Colour.DEEP_BLUE: 'deep blue'>|42|None|echo|NoneType",
        "defaults": "x|None|None|unset|echo|NoneType",
    }


async def test_arguments_strawberry_converts_still_arrive_converted():
    answer = await _both("{ sizes(window: {fromSize: 3}, also: [5, 8]) }")
    assert answer == {"data": {"sizes": [3, 100, 5, 8]}, "errors": []}


async def test_global_ids_arrive_decoded():
    answer = await _both('{ globalId(of: "VGhpbmc6Nw==", maybeOf: "VGhpbmc6OA==") }')  # Thing:7, Thing:8
    assert answer == {"data": {"globalId": "Thing:7|Thing"}, "errors": []}


async def test_a_field_of_an_object_passes_the_object_as_self_and_reads_attributes_by_their_python_names():
    answer = await _both("{ thing { id labelText shout loud: shout(timesOver: 1) } }")
    assert answer == {
        "data": {"thing": {"id": "7", "labelText": "seven", "shout": "SEVENSEVEN", "loud": "SEVEN"}},
        "errors": [],
    }


async def test_a_resolver_raising_a_client_error_yields_its_message_and_code_and_anything_else_is_masked():
    answer = await _both('{ refuse(reasonText: "not yours") }')
    assert answer["errors"] == [("not yours", ["refuse"], {"code": "BAD_USER_INPUT"})]
    answer = await _both("{ notFound }")
    assert answer["errors"] == [("nothing by that id", ["notFound"], {"code": "NOT_FOUND"})]
    answer = await _both("{ crash }")
    [(message, path, extensions)] = answer["errors"]
    assert (message, path, extensions["code"]) == ("Internal error.", ["crash"], "INTERNAL")


async def test_a_missing_required_argument_is_refused_by_validation_before_any_resolver():
    answer = await _both("{ echo }")
    assert answer["data"] is None
    [(message, path, _extensions)] = answer["errors"]
    assert "someText" in message
    assert path is None


async def test_the_federation_entities_path_resolves_references_and_their_fields():
    answer = await _both(
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Thing { id labelText shout } } }",
        {"r": [{"__typename": "Thing", "id": "3"}, {"__typename": "Found", "id": "4"}]},
    )
    assert answer["data"]["_entities"][0] == {
        "__typename": "Thing",
        "id": "3",
        "labelText": "thing 3",
        "shout": "THING 3THING 3",
    }
    assert answer["data"]["_entities"][1] is None
    [(message, path, extensions)] = answer["errors"]
    assert (message, path, extensions["code"]) == (
        "Found is no entity of this subgraph",
        ["_entities", 1],
        "BAD_USER_INPUT",
    )
