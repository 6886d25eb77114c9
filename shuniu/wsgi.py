"""The WSGI application (gunicorn, and runserver / ``shuniu demo`` through WSGI_APPLICATION).

Before serving, the configured keys are compared with the database's personal data
(shuniu/core/checks.py): with the wrong keys the process refuses to start, so that a database
restored without its keys never runs silently with new ones.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
_django = get_wsgi_application()

from shuniu.core.checks import require_matching_keys, verify_keys  # noqa: E402

log = logging.getLogger("shuniu.wsgi")


class KeyCheckedApplication:
    """Verifies the keys at the first request when the database could not be asked at startup.

    With the wrong keys it answers 503 to every request and logs why (the message names the key
    fingerprints, which are for the operator, not for visitors).
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.state = "unknown"
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.state == "unknown":
            with self._lock:
                if self.state == "unknown":
                    self._verify()
        if self.state == "wrong":
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return ["服务暂不可用：密钥与数据库不一致，请联系系统管理员。\n"
                    "Service unavailable: the keys do not match the database; contact the administrator.\n".encode()]
        return self.app(environ, start_response)

    def _verify(self) -> None:
        try:
            verdict = verify_keys()
        except Exception:  # as at startup: whatever keeps the database from answering
            # Django answers this request as it can (most need the database); the next one asks again.
            return
        if verdict.ok:
            self.state = "verified"
        else:
            self.state = "wrong"
            for message in verdict.messages():
                log.critical("%s", message)


application: WSGIApplication = _django if require_matching_keys() else KeyCheckedApplication(_django)
