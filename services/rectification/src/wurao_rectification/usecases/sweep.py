"""Sends the reminders and escalations that have come due, each once, whichever replica gets there first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg

from wurao_common.bus import outbox
from wurao_rectification.adapters import history, notices, offices, tasks
from wurao_rectification.domain import schedule
from wurao_rectification.domain.tasks import Task
from wurao_rectification.usecases import events

SWEEPER = "sweeper"


async def sweep_once(pool: asyncpg.Pool, now: datetime, *, batch: int = 200) -> int:
    """Works through every task due at `now`, a batch per transaction; returns how many notices it sent.

    Rows another replica is sweeping are skipped (SKIP LOCKED); the (task, deadline, level) key is the last word.
    """
    sent = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            due = await tasks.lock_due_for_notice(conn, now, limit=batch)
            for task in due:
                sent += await _notify(conn, task, now)
        if len(due) < batch:
            return sent


async def _notify(conn: asyncpg.Connection, task: Task, now: datetime) -> int:
    sweep = schedule.due_notices(task, now)
    sent = 0
    for notice in sweep.notices:
        target = None if notice.is_reminder else await offices.supervision_office(conn, notice.target_region)
        if not await notices.claim(conn, task.id, notice, target):
            continue
        await outbox.record(conn, events.notice(task, notice, target))
        await history.add(conn, task.id, history.Entry(notice.action, SWEEPER, now, notice.target_region))
        sent += 1
    await tasks.save(conn, replace(task, notified_level=sweep.notified_level))
    return sent
