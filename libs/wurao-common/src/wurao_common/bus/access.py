"""Who may do what on the bus: one NATS user per service, read-only users per region, one operator.

The bus is a trust boundary: an event is believed because of the subject it arrived on, so only the owning
service may publish `wurao.<service>.>`. Each user gets only the JetStream API subjects its work needs:

- a **service** publishes its own events, reads the `WURAO` stream's info and creates, reads from, acknowledges
  and deletes only its own durable consumers (named in its subscriptions). JetStream has no permission on the
  filters of a multi-filter consumer (nats-server discussion 4280), so what those consumers select is trusted
  to the service's code; what it may *publish* is not.
- a **region subscriber** (a provincial or city system) publishes nothing. It may create one pull consumer,
  named after itself, only through the filtered create subject
  `$JS.API.CONSUMER.CREATE.WURAO.<name>.<filter>` whose filter lies inside its region (the server refuses a
  request whose configured filter differs from the subject's), then fetch from it, acknowledge and delete it.
  No stream info (its per-subject counts would tell other regions' units), no direct message reads.
- the **operator** (`wurao-ops`) may do anything: it creates and changes the stream.

Every user's replies arrive under its own inbox prefix `_INBOX.<name>`, and it may subscribe to nothing else:
no one reads the messages another consumer fetches. `authorization` renders the users as a NATS server
`authorization { users = [...] }` block; passwords are given literally (a generated local file) or as
`$VARIABLE` references the server resolves from its environment (Kubernetes secrets).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from wurao_common.bus.envelope import STREAM, SUBJECT_ROOT, region_tokens

OPERATOR = "wurao-ops"
_API = "$JS.API"


def inbox_prefix(user: str) -> str:
    """The inbox prefix a client of this user must connect with (nats-py `inbox_prefix`)."""
    return f"_INBOX.{user}"


def region_filter(region: str) -> str:
    """The subject filter of everything in a region: `4310` -> `wurao.*.*.*.43.4310.>`."""
    levels = [level for level in region_tokens(region) if level != "_"]
    tail = [] if len(levels) == 5 else [">"]
    return ".".join([SUBJECT_ROOT, "*", "*", "*", *levels, *tail])


def subscriber_name(region: str) -> str:
    """The user (and consumer) name of a region's read-only subscriber: `region-4310`."""
    region_tokens(region)
    return f"region-{region}"


@dataclass(frozen=True)
class User:
    name: str
    password: str  # a literal password, or `$VARIABLE` for the server to read from its environment
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def _consumer_api(consumer: str) -> tuple[str, ...]:
    return (
        f"{_API}.CONSUMER.INFO.{STREAM}.{consumer}",
        f"{_API}.CONSUMER.MSG.NEXT.{STREAM}.{consumer}",
        f"{_API}.CONSUMER.DELETE.{STREAM}.{consumer}",
        f"$JS.ACK.{STREAM}.{consumer}.>",
    )


def service_user(service: str, durables: Iterable[str], password: str) -> User:
    creates = []
    for durable in durables:
        creates += [f"{_API}.CONSUMER.CREATE.{STREAM}.{durable}", f"{_API}.CONSUMER.DURABLE.CREATE.{STREAM}.{durable}"]
        creates += _consumer_api(durable)
    return User(
        name=service,
        password=password,
        publish=(f"{SUBJECT_ROOT}.{service}.>", f"{_API}.INFO", f"{_API}.STREAM.INFO.{STREAM}", *creates),
        subscribe=(f"{inbox_prefix(service)}.>",),
    )


def subscriber_user(region: str, password: str) -> User:
    name = subscriber_name(region)
    return User(
        name=name,
        password=password,
        publish=(f"{_API}.CONSUMER.CREATE.{STREAM}.{name}.{region_filter(region)}", *_consumer_api(name)),
        subscribe=(f"{inbox_prefix(name)}.>",),
    )


def operator_user(password: str) -> User:
    return User(name=OPERATOR, password=password, publish=(">",), subscribe=(">",))


def platform_users(
    durables: Mapping[str, Iterable[str]], regions: Iterable[str], password: Mapping[str, str]
) -> list[User]:
    """The operator, one user per service (`durables`: service -> its durable consumers), one per region.

    `password` maps each user name to its password (or `$VARIABLE`).
    """
    users = [operator_user(password[OPERATOR])]
    users += [service_user(service, names, password[service]) for service, names in durables.items()]
    users += [subscriber_user(region, password[subscriber_name(region)]) for region in regions]
    return users


def authorization(users: Iterable[User]) -> str:
    """A NATS server `authorization` block (to `include` from a server config)."""
    lines = ["authorization {", "  users = ["]
    for user in users:
        password = user.password if user.password.startswith("$") else json.dumps(user.password)
        lines += [
            f"    {{ user: {json.dumps(user.name)}, password: {password}, permissions: {{",
            f"        publish: {{ allow: {json.dumps(list(user.publish))} }}",
            f"        subscribe: {{ allow: {json.dumps(list(user.subscribe))} }}",
            "    } }",
        ]
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def passwords(path: Path, users: Iterable[str]) -> dict[str, str]:
    """Random passwords for `users`, kept in `path` (JSON, readable only by us) so a restart finds them again.

    For local and test servers only: a deployment keeps its passwords in its own secret store.
    """
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [user for user in users if user not in known]
    if missing:
        known |= {user: secrets.token_urlsafe(24) for user in missing}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(json.dumps(known, indent=2))
    return known
