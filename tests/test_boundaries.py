"""The core is pure: importing it loads no web framework."""

import subprocess
import sys


def test_core_imports_without_flask_or_marshmallow():
    code = (
        "import sys, svcalc.core\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = {'flask', 'marshmallow', 'werkzeug', 'webargs', 'apispec', 'flask_smorest'}\n"
        "bad &= loaded\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
