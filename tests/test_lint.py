"""The code follows the project's lint rules (pyproject.toml [tool.ruff]), checked on every run of
the suite so that a finding fails CI instead of accumulating."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is installed by the test extra (make test installs it)"
    result = subprocess.run([ruff, "check", "--output-format", "concise", "--no-cache", str(ROOT)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
