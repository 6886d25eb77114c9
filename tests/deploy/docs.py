"""What docs/deploy.md documents, read from the page itself: each file it gives is the fenced block
right after a ``<!-- file: NAME ... -->`` marker. The tests run these, so the page cannot drift
from what was run."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

DEPLOY_MD = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
PLACEHOLDER = "change-me"


def block(name: str) -> str:
    text = DEPLOY_MD.read_text()
    match = re.search(r"<!-- file: " + re.escape(name) + r"\b[^>]*-->\s*```[a-z]*\n(.*?)```", text, re.S)
    assert match, f"docs/deploy.md has no block marked <!-- file: {name} -->"
    return match.group(1)


def environment(var_dir: Path) -> dict[str, str]:
    """The documented environment file as a dict, with what an operator fills in filled in: a new
    secret for each placeholder and a directory of the test's own for SHUNIU_VAR_DIR."""
    env: dict[str, str] = {}
    for line in block("shuniu.env").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and key == key.strip() and " #" not in value, f"not a systemd EnvironmentFile line: {line!r}"
        env[key] = secrets.token_urlsafe(50) if value == PLACEHOLDER else value
    assert "SHUNIU_VAR_DIR" in env
    env["SHUNIU_VAR_DIR"] = str(var_dir)
    return env


def substitute(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each documented value replaced; each must occur, or the page changed under the test."""
    for old, new in replacements.items():
        assert old in text, f"docs/deploy.md no longer contains {old!r}"
        text = text.replace(old, new)
    return text
