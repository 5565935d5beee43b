"""Open a workbook in headless LibreOffice through UNO, let WEBSERVICE fetch, print cells as JSON.

    /usr/bin/python3 addin/example/lo_recalc.py book.xlsx C10 D10 ...

Run it with Debian's python3 (``python3-uno`` is not importable from a venv). ``soffice
--convert-to`` cannot do this: conversions load without ``UpdateDocMode``, so WEBSERVICE gives
Err:540 ("automatic update of external links has been disabled"). Loading through UNO with
``UpdateDocMode=FULL_UPDATE`` and the document's folder as a trusted location makes Calc fetch.
A fresh, throw-away profile keeps the run independent of the user's settings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

FULL_UPDATE = 3  # com.sun.star.document.UpdateDocMode.FULL_UPDATE
CONNECT_SECONDS = 60.0


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _profile(trusted_dir: str) -> str:
    profile = tempfile.mkdtemp(prefix="svcalc-lo-")
    os.makedirs(os.path.join(profile, "user"))
    trusted = uno.systemPathToFileUrl(trusted_dir)
    with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?><oor:items '
            'xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<item oor:path="/org.openoffice.Office.Common/Security/Scripting">'
            '<prop oor:name="SecureURL" oor:op="fuse">'
            f"<value><it>{trusted}</it></value></prop></item></oor:items>")
    return profile


def recalc(path: str, cells: list[str]) -> dict[str, dict[str, object]]:
    path = os.path.abspath(path)
    profile = _profile(os.path.dirname(path))
    pipe = f"svcalc-{uuid.uuid4().hex}"
    proc = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless",
         "--invisible", "--norestore", "--nologo", "--nodefault",
         f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    doc = desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("soffice did not start") from None
                time.sleep(0.1)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(path), "_blank", 0,
            (_prop("Hidden", True), _prop("UpdateDocMode", FULL_UPDATE)))
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {path} (a stale .~lock file?)")
        doc.calculateAll()
        sheet = doc.Sheets.getByIndex(0)
        out: dict[str, dict[str, object]] = {}
        for name in cells:
            cell = sheet.getCellRangeByName(name)
            out[name] = {"string": cell.getString(), "value": cell.getValue(),
                         "error": cell.getError(), "formula": cell.getFormula()}
        return out
    finally:
        if doc is not None:
            doc.close(True)
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 - the bridge drops as soffice exits
                pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(recalc(sys.argv[1], sys.argv[2:])))
