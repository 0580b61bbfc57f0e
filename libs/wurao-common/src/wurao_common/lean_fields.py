"""Leaner field execution for a built Strawberry schema: the same answers with less Python per field.

Strawberry wraps every resolver for what a field might use: field extensions (permission classes among them),
exception handlers, arguments that need converting (input types, lists, `Maybe`, global ids), the `info` it
builds whether the resolver asks for it or not, and the names of the arguments worked out again on each call.
A union's value is matched against its members' definitions one after another, and a type implementing an
interface checks each value it completes for a cast and against every type it could stand for.

`streamline` replaces, after the schema is built, what Strawberry built for the fields that use none of that:

- a field with a resolver, no field extensions, and arguments that Strawberry passes on unchanged (scalars and
  enums, optional or not): its arguments renamed to the resolver's parameters (camelCase to snake_case, worked out
  once), `info`, `self` and the parent given as Strawberry gives them, and the resolver's own result (an async
  resolver's coroutine is awaited by graphql-core);
- a field without a resolver: the attribute read as Strawberry reads it;
- a union: the member type of a value's class, remembered per class, for the classes that are a member's own
  (not a generic's specialization) and values that are not `strawberry.cast`; any other value goes to Strawberry;
- a type implementing an interface: a value of its own class (not cast) is of the type, without more checks.

Anything else (exception handlers, field extensions, arguments needing conversion such as `_entities`'
representations, subscriptions, a resolver or field Strawberry did not build as it builds them here) keeps
Strawberry's. Strawberry's resolvers are only replaced when they are what this version of Strawberry builds
(their names); `tests/test_lean_fields.py` pins the behaviour kept, with and without this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, GraphQLUnionType
from strawberry import Schema
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryMaybe, StrawberryObjectDefinition, StrawberryOptional
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.union import StrawberryUnion

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
# What Strawberry's GraphQLCoreConverter.from_resolver returns, by name: an async and a sync resolver, and the
# attribute read of a field without one.
_RESOLVER_NAMES = frozenset({"_async_resolver", "_resolver"})
_ATTRIBUTE_NAME = "_get_basic_result"
LEAN = "_wurao_lean"  # marks what streamline put in place


def streamline(schema: Schema) -> None:
    """Put the leaner resolvers, type resolvers and type checks in place in `schema` (see the module)."""
    converter = schema.schema_converter
    if getattr(converter, "_exception_handler_specs", None):
        return  # a handler may turn a resolver's exception into a result: only Strawberry's resolvers do that
    config = schema.config
    registry = converter.scalar_registry
    graphql_schema: GraphQLSchema = schema._schema
    for graphql_type in graphql_schema.type_map.values():
        if isinstance(graphql_type, GraphQLUnionType):
            _streamline_union(graphql_type)
        elif isinstance(graphql_type, GraphQLObjectType):
            _streamline_is_type_of(graphql_type)
            for graphql_field in graphql_type.fields.values():
                lean = _lean_resolver(graphql_field, config, registry)
                if lean is not None:
                    graphql_field.resolve = lean


def _lean_resolver(graphql_field: GraphQLField, config: Any, registry: Mapping[object, Any]) -> Callable | None:
    field = (graphql_field.extensions or {}).get(_BACKREF)
    resolve = graphql_field.resolve
    if (
        not isinstance(field, StrawberryField)
        or resolve is None
        or field.extensions
        or field.is_subscription
        or type(field).get_result is not StrawberryField.get_result  # a field of its own making
    ):
        return None
    name = getattr(resolve, "__name__", None)
    if field.base_resolver is None:
        return _attribute(field) if name == _ATTRIBUTE_NAME else None
    if name not in _RESOLVER_NAMES or not callable(field.base_resolver.wrapped_func):
        return None
    renamed: list[tuple[str, str]] = []
    for argument in field.arguments:
        if not _passed_unchanged(argument.type, registry):
            return None
        renamed.append((config.name_converter.from_argument(argument), argument.python_name))
    return _call_resolver(field, config.info_class, tuple(renamed))


def _passed_unchanged(type_: object, registry: Mapping[object, Any]) -> bool:
    """Whether Strawberry's convert_argument gives an argument of this type to the resolver as graphql-core coerced
    it: a scalar other than GlobalID, or an enum (graphql-core gives the enum's value), optional or not."""
    if isinstance(type_, StrawberryMaybe):
        return False
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if isinstance(type_, StrawberryOptional) or type_ is GlobalID:
        return False
    return is_scalar(type_, registry) or isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_)


def _call_resolver(field: StrawberryField, info_class: type, renamed: tuple[tuple[str, str], ...]) -> Callable:
    """The field's resolver called as Strawberry's get_arguments and get_result call it."""
    resolver = field.base_resolver
    assert resolver is not None
    with_self = resolver.self_parameter is not None
    sources = [parameter.name for parameter in (resolver.parent_parameter, resolver.root_parameter) if parameter]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    same_names = all(graphql_name == python_name for graphql_name, python_name in renamed)

    def lean(_source: Any, info: Any, **kwargs: Any) -> Any:
        # graphql-core passes only the field's arguments, each given or defaulted (an absent one stays absent)
        arguments = (
            kwargs if same_names else {python: kwargs[graphql] for graphql, python in renamed if graphql in kwargs}
        )
        for name in sources:
            arguments[name] = _source
        if info_name is not None:
            arguments[info_name] = info_class(_raw_info=info, _field=field)
        if with_self:
            return resolver.wrapped_func(_source, **arguments)
        return resolver.wrapped_func(**arguments)

    setattr(lean, LEAN, True)
    lean._is_default = False  # type: ignore[attr-defined]  # as Strawberry marks a field's own resolver
    return lean


def _attribute(field: StrawberryField) -> Callable:
    """A field without a resolver: Strawberry's StrawberryField.get_result reads it with the default resolver."""
    read = field.default_resolver
    name = field.python_name

    def lean(_source: Any, _info: Any, **_kwargs: Any) -> Any:
        return read(_source, name)

    setattr(lean, LEAN, True)
    lean._is_default = True  # type: ignore[attr-defined]
    return lean


def _own_definition(graphql_type: GraphQLObjectType) -> StrawberryObjectDefinition | None:
    """The Strawberry definition of a type that is its class's own: no generic, no specialization of one."""
    definition = (graphql_type.extensions or {}).get(_BACKREF)
    if (
        not isinstance(definition, StrawberryObjectDefinition)
        or definition.concrete_of is not None
        or definition.is_graphql_generic
        or getattr(definition.origin, "__strawberry_definition__", None) is not definition
    ):
        return None
    return definition


def _streamline_union(union: GraphQLUnionType) -> None:
    strawberry_resolve = union.resolve_type
    if strawberry_resolve is None or not isinstance((union.extensions or {}).get(_BACKREF), StrawberryUnion):
        return
    members: dict[type, str] = {}
    for member in union.types:
        definition = _own_definition(member)
        if definition is not None:
            members.setdefault(definition.origin, member.name)

    def resolve_type(root: Any, info: Any, abstract_type: Any) -> Any:
        # Strawberry: a cast names the type; else the first member whose definition is the value's class's
        member = members.get(type(root))
        if member is not None and getattr(root, TYPE_CAST_ATTRIBUTE, None) is None:
            return member
        return strawberry_resolve(root, info, abstract_type)

    setattr(resolve_type, LEAN, True)
    union.resolve_type = resolve_type


def _streamline_is_type_of(graphql_type: GraphQLObjectType) -> None:
    """Strawberry's is_type_of of a type implementing interfaces: a cast value is of the type it is cast to; else
    any instance of the type's class (or of its interfaces' classes) is."""
    strawberry_check = graphql_type.is_type_of
    definition = _own_definition(graphql_type)
    if strawberry_check is None or definition is None or definition.is_type_of is not None:
        return  # no check, or the type's own is_type_of
    origin = definition.origin

    def is_type_of(obj: Any, info: Any) -> Any:
        if type(obj) is origin and getattr(obj, TYPE_CAST_ATTRIBUTE, None) is None:
            return True
        return strawberry_check(obj, info)

    setattr(is_type_of, LEAN, True)
    graphql_type.is_type_of = is_type_of
