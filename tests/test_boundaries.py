"""The core is pure: importing it loads no web framework."""

import subprocess
import sys


def test_core_imports_without_flask_or_marshmallow():
    code = (
        "import sys, svcalc.core\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = {'flask', 'marshmallow', 'werkzeug', 'webargs', 'apispec', 'flask_smorest',\n"
        "       'sqlalchemy', 'alembic', 'psycopg', 'flask_limiter'}\n"
        "bad &= loaded\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_json_appraisal_loads_nothing_of_the_report():
    """The report's renderer, templates, chart engine and PDF engine load on the first report,
    never on the JSON path (DESIGN.md 11: a report must not make a JSON appraisal slower)."""
    code = (
        "import sys\n"
        "from svcalc.app import create_app\n"
        "from svcalc.api.examples import PROPOSAL\n"
        "app = create_app({'TESTING': True})\n"
        "assert app.test_client().post('/v1/appraisals', json=PROPOSAL).status_code == 200\n"
        "loaded = {m for m in sys.modules if m.split('.')[0] in\n"
        "          {'weasyprint', 'vl_convert', 'pydyf', 'tinycss2', 'cssselect2'}}\n"
        "loaded |= {m for m in sys.modules if m.startswith('svcalc.report.')} - {\n"
        "    'svcalc.report.pages'}\n"
        "assert not loaded, sorted(loaded)\n"
        "assert 'jinja_env' not in vars(app), 'a Jinja2 environment was made'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_store_imports_without_flask_and_core_never_imports_the_store():
    code = (
        "import sys, svcalc.store.appraisals, svcalc.store.keys, svcalc.store.migrate\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "assert not {'flask', 'werkzeug', 'marshmallow'} & loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import ast
    from pathlib import Path

    core = Path(__file__).resolve().parent.parent / "svcalc" / "core"
    for path in core.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                    a.name for a in node.names]
                assert not any(n.startswith(("svcalc.store", "svcalc.api")) for n in names), path


def test_no_import_cycles_among_svcalc_modules():
    """Every import between svcalc's modules (at the top of a module or inside a function)
    points one way: a cycle means two modules that cannot be understood or changed apart."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    modules = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
               for p in (root / "svcalc").rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and not seen.add(n) and reaches(n, goal, seen))
                   for n in graph[start])

    cycles = sorted(m for m in graph if reaches(m, m, set()))
    assert not cycles, f"modules on an import cycle: {cycles}"
