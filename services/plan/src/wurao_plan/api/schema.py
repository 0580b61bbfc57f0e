"""The plan subgraph: one Query and one Mutation merged from each concept's module."""

from __future__ import annotations

from strawberry.tools import merge_types

from wurao_common.web import build_schema
from wurao_plan.api.caps import CapMutation, CapQuery
from wurao_plan.api.ceilings import CeilingMutation
from wurao_plan.api.codes import CodeMutation, CodeQuery
from wurao_plan.api.directory import DirectoryMutation, DirectoryQuery, Office, Unit
from wurao_plan.api.filings import FilingMutation, FilingQuery
from wurao_plan.api.items import Item, ItemMutation, ItemQuery
from wurao_plan.api.negative_list import NegativeListMutation, NegativeListQuery
from wurao_plan.api.plans import PlanMutation, PlanQuery

Query = merge_types(
    "Query", (DirectoryQuery, PlanQuery, ItemQuery, FilingQuery, CodeQuery, CapQuery, NegativeListQuery)
)
Mutation = merge_types(
    "Mutation",
    (
        DirectoryMutation,
        PlanMutation,
        ItemMutation,
        FilingMutation,
        CodeMutation,
        CapMutation,
        NegativeListMutation,
        CeilingMutation,
    ),
)

# The entities other subgraphs extend, listed so they stay in `_Entity` whatever the queries reach.
schema = build_schema(query=Query, mutation=Mutation, types=(Office, Unit, Item))
