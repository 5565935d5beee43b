"""Draw the add-in's icons from svcalc/addin/static/icon.svg at the sizes the manifest names.

    .venv/bin/python addin/build_icons.py

vl-convert (already an svcalc dependency, for the report's charts) renders the SVG; the PNGs
are committed beside it, and tests/test_addin.py checks each is a PNG of its stated size.
"""

from __future__ import annotations

from pathlib import Path

import vl_convert

from svcalc.addin import ICON_SIZES

STATIC = Path(__file__).resolve().parent.parent / "svcalc" / "addin" / "static"


def main() -> None:
    svg = (STATIC / "icon.svg").read_text()
    for size in ICON_SIZES:
        out = STATIC / f"icon-{size}.png"
        out.write_bytes(vl_convert.svg_to_png(svg, scale=size / 64))
        print(out)


if __name__ == "__main__":
    main()
