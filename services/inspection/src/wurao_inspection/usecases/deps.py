"""What the use cases run on, built once by the app's lifespan (or by a test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

import asyncpg

from wurao_inspection.adapters.counters import CapCounters
from wurao_inspection.adapters.held import HeldReference
from wurao_inspection.adapters.keys import SigningKeys
from wurao_inspection.domain.visits import DEFAULT_EMERGENCY_GRACE


@dataclass(frozen=True)
class Deps:
    pool: asyncpg.Pool
    counters: CapCounters
    keys: SigningKeys
    emergency_grace: timedelta = DEFAULT_EMERGENCY_GRACE

    @cached_property
    def reference(self) -> HeldReference:
        """Plan's facts a scan is judged on, held in memory while the app listens for their changes (app.py)."""
        return HeldReference(self.pool)
