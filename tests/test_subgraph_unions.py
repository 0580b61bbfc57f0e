"""Every union of every subgraph resolves each of its members' values to that member, through the per-class table
of wurao_common.lean_fields, as Strawberry's own resolution does."""

import importlib
from types import SimpleNamespace

import pytest
from graphql import GraphQLUnionType
from strawberry.schema.schema_converter import GraphQLCoreConverter

from wurao_common.lean_fields import LEAN


@pytest.mark.parametrize("service", ["plan", "inspection", "rectification", "reporting"])
def test_each_union_member_resolves_to_its_own_type_name(service):
    schema = importlib.import_module(f"wurao_{service}.api.schema").schema
    unions = [t for t in schema._schema.type_map.values() if isinstance(t, GraphQLUnionType)]
    assert unions
    info = SimpleNamespace(field_name="someField")
    for union in unions:
        assert getattr(union.resolve_type, LEAN, False), union.name
        strawberry_union = union.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        strawberry_resolve = strawberry_union.get_type_resolver(schema.schema_converter.type_map)
        for member in union.types:
            cls = member.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin
            value = object.__new__(cls)  # resolution looks at the value's class, not at its fields
            assert union.resolve_type(value, info, union) == member.name, (union.name, member.name)
            assert strawberry_resolve(value, info, union) == member.name, (union.name, member.name)
