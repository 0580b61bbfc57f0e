"""A provincial system's subscriber to wurao's event feed: a starting point to copy (see README.md here).

It keeps a durable JetStream pull consumer filtered to one region's subjects, so a restart resumes where the
last run stopped; `--since` replays from a point in time instead. Every event is printed as one JSON line (the
CloudEvent as published) and acknowledged after it is handled; an event whose handling fails comes again later,
while the others go on. Delivery is at least once: an event can come twice (a lost acknowledgement, a replay
overlapping what was already seen), so it is handled once per event id.

Self-contained on purpose (only `nats-py`), so it can leave this repository. Replace `handle` with your work.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import sys
from collections import OrderedDict
from datetime import datetime

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

STREAM = "WURAO"
RETRY_AFTER = 30.0  # seconds until an event whose handling failed comes again
_REGION = re.compile(r"\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?")
_DEPTHS = (2, 4, 6, 9, 12)  # province, city, county, township, village

log = logging.getLogger("provincial-subscriber")


def region_filter(region: str) -> str:
    """The subjects of every event in `region` and below: `4310` -> `wurao.*.*.*.43.4310.>`.

    A subject is `wurao.<service>.<entity>.<action>` and then the region's code at each depth (`_` below its
    own), so the prefixes of the region select it and everything inside it.
    """
    if not _REGION.fullmatch(region):
        raise ValueError(f"{region!r} is not a region code of 2, 4, 6, 9 or 12 digits")
    prefixes = [region[:depth] for depth in _DEPTHS if depth <= len(region)]
    return ".".join(["wurao", "*", "*", "*", *prefixes, *([">"] if len(prefixes) < len(_DEPTHS) else [])])


def subject_of(event: dict) -> str:
    """The subject wurao publishes an event on: its type, then its region's code at each depth (`_` below it).

    NATS lets each wurao service publish only its own subjects, but the envelope inside is the publisher's to
    write: an event is believed only on its own subject (not, say, a plan event on an inspection subject)."""
    region = event["region"]
    tokens = [region[:depth] if len(region) >= depth else "_" for depth in _DEPTHS]
    return ".".join(["wurao", *event["type"].removeprefix("cn.wurao.").split("."), *tokens])


class Seen:
    """The event ids handled lately, to skip a second delivery of one. A system that must apply each event
    exactly once keeps the ids in its own database, in the transaction that applies the event."""

    def __init__(self, size: int = 100_000):
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)


def handle(event: dict) -> None:
    """Your work goes here. This one prints the event as one JSON line. If it raises, the event comes again."""
    print(json.dumps(event, ensure_ascii=False), flush=True)


async def consumer(js, name: str, subjects: str, since: datetime | None) -> None:
    """Finds the durable consumer, or creates it: from `since` if given (replacing one that exists), else from
    the start of the stream."""
    if since is None:
        with contextlib.suppress(NotFoundError):
            await js.consumer_info(STREAM, name)
            log.info("resuming consumer %s", name)
            return
    else:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(STREAM, name)
    await js.add_consumer(
        STREAM,
        ConsumerConfig(
            name=name,
            durable_name=name,
            filter_subject=subjects,
            deliver_policy=DeliverPolicy.BY_START_TIME if since else DeliverPolicy.ALL,
            opt_start_time=since,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=30.0,
        ),
    )
    log.info("created consumer %s on %s from %s", name, subjects, since.isoformat() if since else "the start")


async def _log_error(error: Exception) -> None:
    log.warning("nats: %s", error)


async def run(args: argparse.Namespace) -> int:
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    options: dict = {
        "name": f"provincial-subscriber-{args.region}",
        "connect_timeout": 5,
        "max_reconnect_attempts": -1,  # keep trying through a NATS restart
        "error_cb": _log_error,
    }
    if args.user:
        options |= {"user": args.user, "password": os.environ.get("NATS_PASSWORD", "")}
    if args.creds:
        options["user_credentials"] = args.creds
    if args.inbox_prefix:
        options["inbox_prefix"] = args.inbox_prefix
    nc = await nats.connect(args.url, **options)
    try:
        js = nc.jetstream()
        await consumer(js, args.consumer, region_filter(args.region), args.since)
        pull = await js.pull_subscribe_bind(args.consumer, stream=STREAM)
        seen = Seen()
        while not stopping.is_set():
            try:
                messages = await pull.fetch(args.batch, timeout=2.0)
            except (NatsTimeout, TimeoutError):  # nothing came within the timeout
                messages = []
            for message in messages:
                try:
                    event = json.loads(message.data)
                    event_id = event["id"]
                    believed = message.subject == subject_of(event)
                except (ValueError, KeyError, TypeError, AttributeError):
                    log.error("not a CloudEvent on %s: dropped", message.subject)
                    await message.term()
                    continue
                if not believed:
                    log.error("a %s event of region %s on %s: dropped", event["type"], event["region"], message.subject)
                    await message.term()
                    continue
                if event_id not in seen:
                    try:
                        handle(event)
                    except Exception:  # the work may succeed later (its database back): keep the event, go on
                        log.exception("event %s not handled: it comes again in %g s", event_id, RETRY_AFTER)
                        await message.nak(delay=RETRY_AFTER)
                        continue
                    seen.add(event_id)
                await message.ack()
            if args.catch_up and not messages:
                info = await js.consumer_info(STREAM, args.consumer)
                if info.num_pending == 0 and info.num_ack_pending == 0:
                    log.info("caught up")
                    return 0
        return 0
    finally:
        # Every acknowledgement reaches the server before the connection closes (a drain would wait out the
        # open pull request instead).
        with contextlib.suppress(Exception):
            await nc.flush()
        await nc.close()


def since(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset: write e.g. 2026-03-01T00:00:00+08:00")
    return moment


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Prints the events of one region from wurao's NATS JetStream.")
    parser.add_argument("--region", required=True, help="GB/T 2260 code: 43 (province), 4310 (a city), 431024 …")
    parser.add_argument("--since", type=since, help="replay from this time (ISO 8601 with offset), not resume")
    parser.add_argument(
        "--consumer", help="durable consumer name (default: region-<region>, the only one a region's user may have)"
    )
    parser.add_argument("--catch-up", action="store_true", help="exit once every stored event is handled")
    parser.add_argument("--batch", type=int, default=100, help="events fetched at once")
    parser.add_argument("--url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"), help="or NATS_URL")
    parser.add_argument("--user", default=os.environ.get("NATS_USER"), help="or NATS_USER (password: NATS_PASSWORD)")
    parser.add_argument("--creds", default=os.environ.get("NATS_CREDS"), help="a NATS credentials file, or NATS_CREDS")
    parser.add_argument(
        "--inbox-prefix",
        default=os.environ.get("NATS_INBOX_PREFIX"),
        help="where replies come (default: _INBOX.<user> with --user, else _INBOX); or NATS_INBOX_PREFIX",
    )
    args = parser.parse_args(argv)
    try:
        region_filter(args.region)
    except ValueError as error:
        parser.error(str(error))
    args.consumer = args.consumer or f"region-{args.region}"
    if args.inbox_prefix is None and args.user:
        args.inbox_prefix = f"_INBOX.{args.user}"
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    return asyncio.run(run(arguments(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
