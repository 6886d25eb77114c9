"""Killing ``shuniu import`` in the middle of its commit leaves the database exactly as it was.

The import runs as a real process against a SQLite file; the test hook
SHUNIU_IMPORT_PAUSE_AFTER_ROWS (shuniu/imports/bulk.py) makes it stop inside its transaction once
that many rows are written, and the test kills it there with SIGKILL: no cleanup code can run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.imports.files import org_rows, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("[('32', '江苏省'), ('3204', '常州市'), ('320404', '钟楼区'), ('320404006', '荷花池街道'), "
           "('320404004', '西林街道')]")
TABLES = ["registry_socialorg", "registry_supervisoryunit", "imports_importbatch", "imports_importchange",
          "audit_auditentry", "coverage_rollup"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHUNIU_IMPORT_", "PYTEST"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SHUNIU_VAR_DIR=str(tmp_path / "var"),
               DJANGO_SETTINGS_MODULE="shuniu.settings")
    return env


def _shuniu(env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "shuniu.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600, **kw)


def _wait_until_paused(proc: subprocess.Popen[str], what: str) -> str:
    """Read the process's stderr until the SHUNIU_IMPORT_PAUSE_AFTER_ROWS hook says it paused (inside
    its transaction); that line. ``what`` names the step that never came, on a timeout or an exit."""
    deadline = time.monotonic() + 300
    line = ""
    while "SHUNIU_IMPORT_PAUSED" not in line:
        assert time.monotonic() < deadline and proc.poll() is None, what
        line = proc.stderr.readline()  # type: ignore[union-attr]
    return line


def _committed_batch_1(db: Path) -> tuple[object, object]:
    """Batch #1's status and the number of orgs, as another process reads the SQLite file."""
    con = sqlite3.connect(db)
    try:
        return (con.execute("SELECT status FROM imports_importbatch WHERE id = 1").fetchone(),
                con.execute("SELECT COUNT(*) FROM registry_socialorg").fetchone())
    finally:
        con.close()


def _state(db: Path) -> dict[str, object]:
    con = sqlite3.connect(db)
    try:
        out: dict[str, object] = {t: con.execute(f"SELECT COUNT(*), COALESCE(SUM(id), 0) FROM {t}").fetchone()
                                  for t in TABLES}
        out["rollup"] = con.execute("SELECT dimension, key, region, population, \"none\", staff FROM coverage_rollup "
                                    "ORDER BY 1, 2, 3").fetchall()
        out["integrity"] = con.execute("PRAGMA integrity_check").fetchone()[0]
        return out
    finally:
        con.close()


def test_killing_the_import_mid_commit_leaves_the_database_as_it_was(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "db.sqlite3"
    assert _shuniu(env, "migrate", "-v0").returncode == 0
    loaded = _shuniu(env, "shell", "-c", "from shuniu.regions.services import load_divisions; "
                     f"load_divisions({REGIONS}, levels=['province', 'city', 'county', 'street'], source='test')")
    assert loaded.returncode == 0, loaded.stderr

    first = write_xlsx(tmp_path / "first.xlsx", org_rows(50))
    done = _shuniu(env, "import", "orgs", str(first))
    assert done.returncode == 0, done.stderr
    bad_rows = org_rows(5, start=50)
    bad_rows[2][3] = "999999"
    failed = _shuniu(env, "import", "orgs", str(write_xlsx(tmp_path / "bad.xlsx", bad_rows)))
    assert failed.returncode == 1 and "row 4, column 所在地区代码, rule region" in failed.stderr
    before = _state(db)

    big = write_xlsx(tmp_path / "big.xlsx", org_rows(3000, start=100))
    proc = subprocess.Popen([sys.executable, "-m", "shuniu.cli", "import", "orgs", str(big)], cwd=ROOT,
                            env={**env, "SHUNIU_IMPORT_PAUSE_AFTER_ROWS": "1000"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = _wait_until_paused(proc, "the import never reached its commit")
        assert line.strip() == "SHUNIU_IMPORT_PAUSED rows=1000"
        # Mid-commit: the rows are written inside the open transaction, invisible to others.
        assert _state(db)["registry_socialorg"] == before["registry_socialorg"]
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    after = _state(db)
    assert after == before
    assert after["integrity"] == "ok"

    # Nothing is left locked or half-written: the same file imports completely afterwards.
    again = _shuniu(env, "import", "orgs", str(big))
    assert again.returncode == 0, again.stderr
    assert "3000 created, 0 updated, 0 unchanged" in again.stdout
    assert _state(db)["registry_socialorg"][0] == 3050  # type: ignore[index]
