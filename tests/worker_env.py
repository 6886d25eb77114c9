"""Each pytest-xdist worker's own environment, set before pytest-django imports the settings.

Loaded with ``-p tests.worker_env`` (pyproject.toml's addopts), which pytest imports before
pytest-django reads ``shuniu.settings``; a conftest.py would come too late, since the settings read
``SHUNIU_VAR_DIR`` once at import. In a serial run (no ``PYTEST_XDIST_WORKER``) it changes nothing.

Under xdist each worker (gw0, gw1, ...) gets:

- ``SHUNIU_VAR_DIR``: ``<var>/xdist-<worker>`` (``<var>`` is ``SHUNIU_VAR_DIR`` or ./var as for a
  serial run): the generated keys, uploads kept between preview and commit (which the stale-upload
  sweep removes), case attachments, static files. Subprocesses that a test starts without a var dir
  of their own inherit it, as they inherit ./var in a serial run.
- when ``REDIS_URL`` is set for the run, ``SHUNIU_CACHE_PREFIX`` and ``SHUNIU_JOB_QUEUE`` with the
  worker in them, so two workers never read each other's cache keys (rate counts, tokens) or jobs.

The database needs nothing here: pytest-django names each worker's test database ``test_<name>_gw0``
etc. The tests that use the machine's Redis, a private redis-server, a live server, nginx or
LibreOffice already take their own free ports, key prefixes, queues and temporary directories.
"""

from __future__ import annotations

import os
from pathlib import Path

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

if WORKER:
    _base = Path(os.environ.get("SHUNIU_VAR_DIR") or Path.cwd() / "var")
    os.environ["SHUNIU_VAR_DIR"] = str(_base / f"xdist-{WORKER}")
    if os.environ.get("REDIS_URL"):
        for _name, _default in (("SHUNIU_CACHE_PREFIX", "shuniu"), ("SHUNIU_JOB_QUEUE", "shuniu-imports")):
            os.environ[_name] = f"{os.environ.get(_name) or _default}-{WORKER}"
