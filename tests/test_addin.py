"""The Excel add-in as svcalc serves it (svcalc/addin, issue 18): installable from one URL.

* ``/addin/manifest.xml`` for two public base URLs, and for the address a request came to:
  every URL it names is on that base and is served (icons are PNGs of the size they say), and it
  validates against Microsoft's Office add-in manifest schemas (see ``office_schema``);
* over plain HTTP with no base configured it is refused, saying what to set; a bad
  ``SVCALC_PUBLIC_BASE_URL`` stops the app at start;
* **through the shipped nginx with TLS** (a self-signed certificate made here, never stored):
  headless Chromium loads ``/addin/functions.html`` over HTTPS, trusting exactly that
  certificate, and calls the custom functions, which reach the API on the same origin; the
  figures are checked against hand calculations.

Microsoft's ``custom-functions-runtime.js`` (on appsforoffice.microsoft.com, out of reach here)
is the one thing replaced: the browser is handed a stand-in that registers the functions, as
the real runtime does for Excel. Everything else is the real server, proxy and browser.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import ssl
import struct
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from svcalc import __version__
from svcalc.addin import ICON_SIZES, WEB
from svcalc.app import create_app

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.proxy import Proxy, nginx  # noqa: E402
from bench.server import Server  # noqa: E402
from tests.test_tryit_browser import CHROMIUM_ARGS  # noqa: E402

#: Microsoft's Office add-in manifest schemas (OfficeAppManifestV1_1.xsd and the four it
#: imports). They are not stored in this repository (see addin/README.md, "Manifest schemas");
#: the suite reads them from SVCALC_OFFICE_XSD_DIR, else from the office-addin-xsd folder of
#: the shared/ folder beside the checkout.
XSD_DIR = Path(os.environ.get("SVCALC_OFFICE_XSD_DIR")
               or ROOT.parent / "shared" / "office-addin-xsd")
OFFICE = "{http://schemas.microsoft.com/office/appforoffice/1.1}"
BT = "{http://schemas.microsoft.com/office/officeappbasictypes/1.0}"
BASES = ["https://svcalc.example.org", "https://intranet.example.com:8443/tools/svcalc/"]
#: The worked example (svcalc/api/examples.py) as an APPRAISE range.
PROPOSAL_RANGE = [
    ["term_years", 10], ["public.baseline_annual_cost", 10_000_000],
    ["public.annual_payment", 8_600_000], ["public.retained_costs", 400_000],
    ["public.upfront_costs.procurement", 250_000], ["public.upfront_costs.transition", 400_000],
    ["public.upfront_costs.it", 300_000], ["public.upfront_costs.legal", 100_000],
    ["supplier.upfront_investment", 500_000], ["supplier.annual_operating_cost", 8_000_000]]
# By hand: 1m a year saved for 10 years after 1.05m upfront, at 3.5% (Green Book, years 0-30):
# -1,050,000 + 1,000,000 * (1 - 1.035^-10) / 0.035 = 7,266,605.32.
PUBLIC_NPV = -1_050_000 + 1_000_000 * (1 - 1.035 ** -10) / 0.035
FLOWS = [[-1000], [300], [400], [500]]


def office_schema() -> Any:
    """Microsoft's manifest schema, compiled by lxml; skips (saying where to put it) if absent."""
    etree = pytest.importorskip("lxml.etree")
    main = XSD_DIR / "OfficeAppManifestV1_1.xsd"
    if not main.exists():
        pytest.skip(f"Microsoft's Office add-in manifest schemas are not in {XSD_DIR} (set "
                    "SVCALC_OFFICE_XSD_DIR; addin/README.md, 'Manifest schemas', says which)")
    return etree.XMLSchema(etree.parse(str(main)))


def get(client: Any, path: str, **kwargs: Any) -> Any:
    """A test-client GET with its body read and its file closed."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (PNG spec 11.2.2)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:16]
    return struct.unpack(">II", data[16:24])


def manifest_urls(xml: bytes) -> dict[str, str]:
    """Every URL the manifest names, by where it is (element, or bt:Url id)."""
    from lxml import etree

    root = etree.fromstring(xml)
    found = {el.tag.removeprefix(OFFICE): el.get("DefaultValue")
             for el in root.iter(f"{OFFICE}IconUrl", f"{OFFICE}HighResolutionIconUrl",
                                 f"{OFFICE}SupportUrl")}
    found["SourceLocation"] = root.find(f"{OFFICE}DefaultSettings/{OFFICE}SourceLocation").get(
        "DefaultValue")
    found.update({el.get("id"): el.get("DefaultValue") for el in root.iter(f"{BT}Url")})
    return found


def check_manifest(client: Any, xml: bytes, base: str) -> dict[str, str]:
    """The manifest's URLs are all on ``base``, each is served, and every resid resolves."""
    from lxml import etree

    base = base.rstrip("/")
    urls = manifest_urls(xml)
    assert set(urls) == {"IconUrl", "HighResolutionIconUrl", "SupportUrl", "SourceLocation",
                         "Functions.Script.Url", "Functions.Metadata.Url", "Functions.Page.Url"}
    for name, url in urls.items():
        assert url.startswith(base + "/addin/"), (name, url)
        path = url.removeprefix(base)
        response = get(client, path, base_url=base)
        assert response.status_code == 200, (name, url, response.status_code)
        if name in ("IconUrl", "HighResolutionIconUrl"):
            size = int(re.search(r"icon-(\d+)\.png$", url).group(1))
            assert response.mimetype == "image/png" and png_size(response.data) == (size, size)
    assert urls["IconUrl"].endswith("icon-32.png")
    assert urls["HighResolutionIconUrl"].endswith("icon-64.png")
    root = etree.fromstring(xml)
    defined = {el.get("id") for el in root.iter() if el.get("id")}
    used = {el.get("resid") for el in root.iter() if el.get("resid")}
    assert used and used <= defined, used - defined
    assert root.findtext(f"{OFFICE}Version") == __version__
    return urls


# --------------------------------------------------------------------------- the manifest


@pytest.mark.parametrize("base", BASES)
def test_manifest_for_a_configured_base_url(base):
    app = create_app({"PUBLIC_BASE_URL": base})
    client = app.test_client()
    # asked for over plain HTTP on another name: the configured base is what counts
    response = get(client, "/addin/manifest.xml", base_url="http://10.0.0.7:8000")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "svcalc-manifest.xml" in response.headers["Content-Disposition"]
    check_manifest(client, response.data, base)


def test_each_deployment_is_its_own_add_in_and_stays_so():
    ids = []
    for base in [*BASES, BASES[0]]:
        xml = get(create_app({"PUBLIC_BASE_URL": base}).test_client(), "/addin/manifest.xml").data
        ids.append(re.search(rb"<Id>([0-9a-f-]{36})</Id>", xml).group(1))
    assert ids[0] != ids[1] and ids[0] == ids[2]


@pytest.mark.parametrize("base", BASES)
def test_manifest_validates_against_microsofts_schema(base):
    from lxml import etree

    schema = office_schema()
    xml = get(create_app({"PUBLIC_BASE_URL": base}).test_client(), "/addin/manifest.xml").data
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log
    # and the schema does check: the same manifest without its Version is refused
    document.remove(document.find(f"{OFFICE}Version"))
    assert not schema.validate(document)


def test_without_a_base_the_manifest_follows_the_https_address_asked():
    client = create_app().test_client()
    base = "https://excel-tools.example.net:9443"
    response = get(client, "/addin/manifest.xml", base_url=base)
    assert response.status_code == 200
    check_manifest(client, response.data, base)
    script = get(client, "/addin/functions.js", base_url=base).get_data(as_text=True)
    assert script.startswith(f'globalThis.SVCALC_SERVED_FROM = "{base}";\n')


def test_over_plain_http_with_no_base_the_add_in_is_refused_saying_why():
    client = create_app().test_client()
    for path in ("/addin/manifest.xml", "/addin/functions.js"):
        response = get(client, path, base_url="http://127.0.0.1:8000")
        assert response.status_code == 409 and response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert "SVCALC_PUBLIC_BASE_URL" in problem["detail"] and problem["instance"] == path
        assert problem["type"] == "https://svcalc.example/problems/public-base-url-unknown"
        assert problem["title"] == "Public HTTPS address not configured"
    page = get(client, "/addin/", base_url="http://127.0.0.1:8000")
    assert page.status_code == 200 and b"SVCALC_PUBLIC_BASE_URL" in page.data
    assert b"manifest.xml" not in page.data
    # the files that do not depend on the base are served all the same
    for path in ("/addin/functions.html", "/addin/functions.json", "/addin/assets/icon-32.png"):
        assert get(client, path).status_code == 200, path


@pytest.mark.parametrize("bad", ["http://svcalc.example.org", "svcalc.example.org",
                                 "https://svcalc.example.org/?x=1", "https://user@svcalc.example"])
def test_a_bad_public_base_url_stops_the_app_at_start(bad):
    with pytest.raises(ValueError, match="SVCALC_PUBLIC_BASE_URL"):
        create_app({"PUBLIC_BASE_URL": bad})


def test_the_add_in_files_as_served():
    client = create_app({"PUBLIC_BASE_URL": BASES[1]}).test_client()
    script = get(client, "/addin/functions.js")
    assert script.mimetype == "text/javascript" and script.headers["Cache-Control"] == "no-cache"
    first, rest = script.get_data(as_text=True).split("\n", 1)
    assert first == 'globalThis.SVCALC_SERVED_FROM = "https://intranet.example.com:8443/tools/svcalc";'
    assert rest == (WEB / "functions.js").read_text()
    metadata = get(client, "/addin/functions.json")
    assert metadata.get_json() == json.loads((WEB / "functions.json").read_text())
    page = get(client, "/addin/functions.html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://appsforoffice.microsoft.com;" in policy
    assert "frame-ancestors https:" in policy  # Excel on the web frames the page
    assert b"<script>" not in page.data  # no inline script: nothing to allow by hash
    for size in ICON_SIZES:
        icon = get(client, f"/addin/assets/icon-{size}.png")
        assert png_size(icon.data) == (size, size)
    install = get(client, "/addin/")
    assert b"https://intranet.example.com:8443/tools/svcalc/addin/manifest.xml" in install.data
    # the API's own policy is untouched
    assert get(client, "/healthz").headers["Content-Security-Policy"].startswith(
        "default-src 'none'")


def test_tls_placeholders_are_filled_by_the_proxy_image():
    from bench.proxy import TLS_TEMPLATE

    placeholders = set(re.findall(r"\$\{(\w+)\}", TLS_TEMPLATE.read_text()))
    assert placeholders == {"SVCALC_PROXY_TLS_LISTEN", "SVCALC_PROXY_TLS_CERT",
                            "SVCALC_PROXY_TLS_KEY"}
    dockerfile = (ROOT / "deploy" / "nginx.Dockerfile").read_text()
    main, tls = re.findall(r"envsubst '([^']*)'", dockerfile)
    assert set(re.findall(r"\$\{(\w+)\}", tls)) == placeholders
    assert "SVCALC_PROXY_TLS_LISTEN=8443" in dockerfile
    assert "include tls.d/*.conf;" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_the_compose_tls_recipe_mounts_the_certificate_and_names_the_base():
    import yaml

    tls = yaml.safe_load((ROOT / "deploy" / "compose.tls.yaml").read_text())["services"]
    proxy, svcalc = tls["proxy"], tls["svcalc"]
    mount = next(v for v in proxy["volumes"] if v.startswith("./certs:"))
    inside = mount.split(":")[1]
    assert proxy["environment"]["SVCALC_PROXY_TLS_CERT"] == f"{inside}/tls.crt"
    assert proxy["environment"]["SVCALC_PROXY_TLS_KEY"] == f"{inside}/tls.key"
    port = proxy["environment"]["SVCALC_PROXY_TLS_LISTEN"]
    assert proxy["ports"] == [f"{port}:{port}"]
    assert svcalc["environment"]["SVCALC_PUBLIC_BASE_URL"].endswith(f"https://localhost:{port}}}")
    assert "ports" not in svcalc  # svcalc itself stays unpublished
    assert "deploy/certs/" in (ROOT / ".gitignore").read_text()  # no key is ever committed


# --------------------------------------------------------------------------- through TLS


def _openssl() -> str:
    found = shutil.which("openssl")
    if found is None:
        pytest.skip("openssl is not installed (make system-deps installs it)")
    return found


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path, str]:
    """A self-signed certificate for 127.0.0.1, made for this run: (cert, key, SPKI hash)."""
    openssl = _openssl()
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    key.chmod(0o644)  # nginx's workers run as nobody when the tests run as root
    public = subprocess.run([openssl, "x509", "-in", str(cert), "-pubkey", "-noout"],
                            check=True, capture_output=True).stdout
    der = subprocess.run([openssl, "pkey", "-pubin", "-outform", "der"], input=public,
                         check=True, capture_output=True).stdout
    import hashlib

    return cert, key, base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture(scope="module")
def deployment(certificate) -> Iterator[tuple[Server, Proxy]]:
    """gunicorn behind the shipped nginx with its TLS listener, no public base configured."""
    if nginx() is None:
        pytest.skip("nginx is not installed (make system-deps installs Debian's nginx)")
    cert, key, _ = certificate
    with Server(workers=2, env={"SVCALC_LOG_LEVEL": "WARNING"}) as server, \
            Proxy(server.url, tls=(cert, key)) as proxy:
        yield server, proxy


def test_the_manifest_through_the_tls_proxy_names_the_https_address(deployment, certificate):
    server, proxy = deployment
    context = ssl.create_default_context(cafile=str(certificate[0]))
    with urllib.request.urlopen(proxy.https_url + "/addin/manifest.xml", context=context,
                                timeout=30) as response:
        xml = response.read()
    client = create_app().test_client()
    urls = check_manifest(client, xml, proxy.https_url)
    for url in urls.values():  # and each is served through the proxy, over TLS
        with urllib.request.urlopen(url, context=context, timeout=30) as response:
            assert response.status == 200, url
    # the same server over plain HTTP, directly: no HTTPS address known, so refused
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server.url + "/addin/manifest.xml", timeout=30)
    assert refused.value.code == 409
    schema_dir_has_schemas = (XSD_DIR / "OfficeAppManifestV1_1.xsd").exists()
    if schema_dir_has_schemas:
        from lxml import etree

        schema = office_schema()
        assert schema.validate(etree.fromstring(xml)), schema.error_log


#: Stands in for Microsoft's custom-functions-runtime.js: registers the functions as Excel's
#: runtime does, and keeps them where the test can call them.
RUNTIME_STAND_IN = """
window.svcalcFunctions = {};
class CustomFunctionsError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
window.CustomFunctions = {
  associate: (id, fn) => { window.svcalcFunctions[id] = fn; },
  Error: CustomFunctionsError,
  ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A" },
};
"""

CALL_CELLS = """async ([flows, proposal]) => {
  const f = window.svcalcFunctions;
  const settle = (p) => p.then((value) => ({ value }),
                               (e) => ({ error: e.code, message: e.message }));
  const [npv, irr, payback, appraised, verdict, headline, flags, bad] = await Promise.all([
    f.NPV(flows, 0.05), f.IRR(flows), f.PAYBACK(flows), f.APPRAISE(proposal, "public.npv"),
    f.VERDICT(proposal), f.HEADLINE(proposal), f.FLAGS(proposal),
    f.NPV([[-1000], ["lots"], [400]], 0.05)].map(settle));
  return { npv, irr, payback, appraised, verdict, headline, flags, bad,
           servedFrom: window.SVCALC_SERVED_FROM, protocol: location.protocol };
}"""


def test_the_functions_run_in_chromium_over_https_through_the_proxy(deployment, certificate):
    _, proxy = deployment
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (make system-deps installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[tuple[str, str, str]] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        # Trust exactly this run's certificate (by its public key), nothing else.
        browser = p.chromium.launch(executable_path=chromium, args=[
            *CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={certificate[2]}"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(
                (r.method, r.url, r.headers.get("content-type", ""))))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("https://appsforoffice.microsoft.com/**", lambda route: route.fulfill(
                status=200, content_type="text/javascript", body=RUNTIME_STAND_IN))
            response = page.goto(proxy.https_url + "/addin/functions.html")
            assert response.status == 200
            assert response.security_details()["protocol"].startswith("TLS")
            page.wait_for_function("() => window.svcalcFunctions && "
                                   "Object.keys(window.svcalcFunctions).length === 8")
            got = page.evaluate(CALL_CELLS, [FLOWS, PROPOSAL_RANGE])
        finally:
            browser.close()
    assert errors == [], errors
    assert got["protocol"] == "https:" and got["servedFrom"] == proxy.https_url
    # By hand: -1000 + 300/1.05 + 400/1.05^2 + 500/1.05^3 = 80.44.
    assert got["npv"] == {"value": 80.44}
    irr = got["irr"]["value"]
    assert abs(sum(v[0] / (1 + irr) ** t for t, v in enumerate(FLOWS))) < 1e-6, irr
    assert got["payback"]["value"] == pytest.approx(2.6)  # -1000,-700,-300,+200: 2 + 300/500
    assert got["appraised"]["value"] == pytest.approx(PUBLIC_NPV, abs=0.006)
    assert got["verdict"] == {"value": "viable_with_cautions"}
    assert got["headline"]["value"].startswith("Viable with cautions: ")
    flags = got["flags"]["value"]
    assert flags[0] == ["severity", "code", "field", "message"]
    assert "SUPPLIER_CANNOT_ABSORB_OVERRUN" in [row[1] for row in flags[1:]]
    assert got["bad"]["error"] == "#VALUE!" and "values/1" in got["bad"]["message"]
    # Everything but Microsoft's runtime came from the proxy's HTTPS origin; all eight cells
    # went in one simple (text/plain, not preflighted) POST.
    origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for _, url, _ in requests}
    assert origins == {proxy.https_url, "https://appsforoffice.microsoft.com"}, requests
    batches = [(m, ct) for m, url, ct in requests if url.endswith("/v1/sheets/batch")]
    assert batches == [("POST", "text/plain")], requests
