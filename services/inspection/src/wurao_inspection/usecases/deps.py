"""What the use cases run on, built once by the app's lifespan (or by a test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from wurao_inspection.adapters.counters import CapCounters
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.domain.visits import DEFAULT_EMERGENCY_GRACE


@dataclass(frozen=True)
class Deps:
    pool: asyncpg.Pool
    counters: CapCounters
    keys: SigningKeys
    emergency_grace: timedelta = DEFAULT_EMERGENCY_GRACE
