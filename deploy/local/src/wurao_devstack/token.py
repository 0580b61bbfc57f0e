"""Mint a development token signed with the local key: `python -m wurao_devstack.token --role unit ...`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from wurao_common.auth import Role
from wurao_devstack.stack import REPO, Keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=[role.value for role in Role], required=True)
    parser.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 431024")
    parser.add_argument("--office", help="office id, for office and inspector roles (e.g. 431024-dcs)")
    parser.add_argument("--unit", help="unit id, for the unit role (e.g. 431024106201-cwh)")
    parser.add_argument("--subject", default=None)
    parser.add_argument("--hours", type=int, default=12)
    args = parser.parse_args()
    keys = Keys(Path(os.environ.get("WURAO_DATA_DIR", REPO / ".wurao")) / "keys")
    print(
        keys.token(
            args.role,
            args.region,
            office=args.office,
            unit=args.unit,
            subject=args.subject,
            ttl_seconds=args.hours * 3600,
        )
    )


if __name__ == "__main__":
    main()
