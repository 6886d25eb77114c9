"""Benchmark: hostile uploads refused in bounded memory (DESIGN.md: ≤ 300 MB peak, before the parser
allocates).

    python bench/hostile.py

Builds the files of issue 11 (tests/imports/hostile_files.py; not timed): ``far`` (cells at A1 and
XFD1048576, 1.6 KB), ``many`` (30 million cells, 1.9 MB), ``expanding`` (a member inflating to 1 GiB,
1 MB), and ``far_lying`` (the first, its sheet claiming to be one cell, so that only the reading
child's memory limit stops it). Each is then refused by ``shuniu.imports.readers.read`` (what the
upload page, ``shuniu import`` and the background commit call) in a fresh process doing only that:

* ``<file>_ms``: the refusal, Django already loaded;
* ``<file>_peak_mb``: the peak resident memory of that process and of its reading child, if any
  (``ru_maxrss`` of the process and ``RUSAGE_CHILDREN``), Django included.

Last line, e.g.: ``far_peak_mb=70 far_ms=2 many_peak_mb=70 many_ms=3 ...``
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(path: str) -> None:
    """One refusal in this (fresh) process; prints its figures as JSON."""
    import django

    django.setup()
    from shuniu.imports import readers

    t = time.perf_counter()
    try:
        readers.read(path)
        refused = ""
    except readers.UnreadableFile as exc:
        refused = exc.code
    ms = (time.perf_counter() - t) * 1000
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"refused": refused, "ms": ms, "peak_mb": peak / 1024}))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    from tests.imports.hostile_files import expanding_xlsx, far_cell_xlsx, many_cells_xlsx

    tmp = Path(tempfile.mkdtemp(prefix="shuniu-bench-hostile-"))
    try:
        t = time.perf_counter()
        files = {
            "far": far_cell_xlsx(tmp / "far.xlsx"),
            "many": many_cells_xlsx(tmp / "many.xlsx"),
            "expanding": expanding_xlsx(tmp / "expanding.xlsx"),
            "far_lying": far_cell_xlsx(tmp / "far_lying.xlsx", dimension="A1"),
        }
        print(f"setup: {', '.join(f'{k} {p.stat().st_size:,} B' for k, p in files.items())} in "
              f"{time.perf_counter() - t:.0f}s", file=sys.stderr)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUNIU_IMPORT_")}
        env.update(DJANGO_SETTINGS_MODULE="shuniu.settings", SHUNIU_VAR_DIR=str(tmp / "var"),
                   DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}")
        figures = []
        for name, path in files.items():
            out = subprocess.run([sys.executable, __file__, "--child", str(path)], env=env, cwd=ROOT, check=True,
                                 capture_output=True, text=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            assert result["refused"], f"{name} was not refused"
            print(f"{name}: refused ({result['refused']})", file=sys.stderr)
            figures.append(f"{name}_peak_mb={result['peak_mb']:.0f} {name}_ms={result['ms']:.0f}")
        print(" ".join(figures))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
