"""The verdict's calibration set and the table docs/method.md shows of it.

``cases.json`` is the labelled set of ``../shared/calibration`` (eleven proposals, each with the
rating a careful Treasury reviewer would give); ``ordinary.py`` ten ordinary deals. Run
``python -m tests.calibration`` (``make docs``) to write the table into docs/method.md;
tests/test_calibration.py fails while the table there is not what the code gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
METHOD = HERE.parent.parent / "docs" / "method.md"
START, END = "<!-- calibration table: start -->", "<!-- calibration table: end -->"
#: A label is met by these ratings (sound = robust or viable_with_cautions).
MEETS = {"sound": {"robust", "viable_with_cautions"}, "over_bullish": {"over_bullish"},
         "not_viable": {"not_viable"}}


def cases() -> list[dict[str, Any]]:
    """The labelled calibration set."""
    loaded: list[dict[str, Any]] = json.loads((HERE / "cases.json").read_text())
    return loaded


def table() -> str:
    """The calibration set and the ten ordinary deals as the code rates them, as markdown."""
    from svcalc.api.schemas.proposal import ProposalSchema
    from svcalc.core import appraise
    from tests.calibration.ordinary import ORDINARY

    load = ProposalSchema().load
    lines = ["| proposal | label | rating | headline |", "|---|---|---|---|"]
    rows = [(c["proposal"], c["label"]) for c in cases()] + [(p, "sound") for p in ORDINARY]
    for proposal, label in rows:
        verdict = appraise(load(proposal)).verdict
        mark = "" if verdict.rating in MEETS[label] else " (**not its label**)"
        lines.append(f"| {proposal['name']} | {label} | `{verdict.rating}`{mark} | "
                     f"{verdict.headline} |")
    return "\n".join(lines)


def section(text: str) -> str:
    """The table part of docs/method.md's text."""
    return text[text.index(START) + len(START):text.index(END)].strip()


def main() -> None:
    text = METHOD.read_text()
    before, after = text[:text.index(START) + len(START)], text[text.index(END):]
    METHOD.write_text(f"{before}\n{table()}\n{after}")


if __name__ == "__main__":
    main()
