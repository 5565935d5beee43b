"""Saved appraisals over HTTP, keys, organisations and rate limits (issue 17), on SQLite and on
a real PostgreSQL server (the ``backend`` fixture)."""

from __future__ import annotations

import copy
import json

import pytest

import svcalc
from svcalc.api import examples
from svcalc.app import create_app
from svcalc.store.database import Store
from svcalc.store.models import SavedAppraisal
from tests.store_fixtures import key_for, orm

SAVED = "/v1/saved-appraisals"
EXAMPLE_ID = examples.SAVED["id"]


@pytest.fixture
def url(backend):
    return backend[0]


@pytest.fixture
def key(backend):
    return backend[1]


@pytest.fixture
def web(make_app, url):
    return make_app({"DATABASE_URL": url}).test_client()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def rows(url: str) -> list[SavedAppraisal]:
    with orm(url) as session:
        found = list(session.query(SavedAppraisal).order_by(SavedAppraisal.id))
        session.expunge_all()
        return found


# -- the resource --------------------------------------------------------------------------------

def test_save_read_list_reappraise_delete(web, url, key, proposal):
    proposal["name"] = "Shared HR service"
    text = '{"name": "Shared HR service",' + json.dumps(proposal)[1:].replace(
        '"name": "Shared HR service", ', "", 1).replace(", ", ",  ")
    response = web.post(SAVED, data=text, content_type="application/json",
                        headers={**bearer(key), "X-Request-ID": "cite-me-1"})
    assert response.status_code == 201, response.json
    saved = response.json
    assert response.headers["Location"] == f"{SAVED}/{saved['id']}"
    stateless = web.post("/v1/appraisals", json=proposal).json
    assert saved["result"] == stateless  # the same answer as POST /v1/appraisals
    assert saved["proposal"] == proposal
    assert (saved["organisation"], saved["request_id"]) == ("Example Council", "cite-me-1")
    assert saved["method_version"] == stateless["method"]["version"]
    assert saved["reference_version"] == stateless["method"]["reference_version"]
    assert saved["rating"] == stateless["verdict"]["rating"]
    # What is stored: the proposal exactly as received, the result exactly as sent.
    (row,) = [r for r in rows(url) if r.id == saved["id"]]
    assert row.proposal == text
    assert json.loads(row.result) == stateless and row.request_id == "cite-me-1"

    read = web.get(response.headers["Location"], headers=bearer(key))
    assert read.status_code == 200 and read.json == saved
    listed = web.get(SAVED, headers=bearer(key)).json
    assert [i["id"] for i in listed["items"]] == [saved["id"], EXAMPLE_ID]
    assert listed["items"][0] == {k: saved[k] for k in listed["items"][0]}
    again = web.get(f"{SAVED}/{saved['id']}/reappraisal", headers=bearer(key)).json
    assert again["changed"] is False and again["result"] == stateless
    assert {d["field"] for d in again["differences"]} >= {"verdict.rating", "public.npsv"}
    assert web.delete(f"{SAVED}/{saved['id']}", headers=bearer(key)).status_code == 204
    assert web.get(f"{SAVED}/{saved['id']}", headers=bearer(key)).status_code == 404
    assert web.delete(f"{SAVED}/{saved['id']}", headers=bearer(key)).status_code == 404


def test_reappraisal_shows_what_today_changes(web, url, key):
    """A saved result made under an older method: the differences name each changed figure."""
    with orm(url) as session:
        row = session.get(SavedAppraisal, EXAMPLE_ID)
        old = json.loads(row.result)
        old["public"]["npsv"] -= 1000.0
        old["verdict"]["rating"] = "robust"
        old["method"]["version"] = "0.1.0"
        row.result, row.method_version = json.dumps(old), "0.1.0"
    body = web.get(f"{SAVED}/{EXAMPLE_ID}/reappraisal", headers=bearer(key)).json
    assert (body["saved_method_version"], body["method_version"]) == ("0.1.0", svcalc.__version__)
    assert body["changed"] and body["rating_changed"]
    by_field = {d["field"]: d for d in body["differences"]}
    assert by_field["public.npsv"]["change"] == pytest.approx(1000.0)
    assert by_field["verdict.rating"] == {"field": "verdict.rating", "saved": "robust",
                                          "today": "viable_with_cautions", "change": None,
                                          "changed": True}
    assert not by_field["supplier.npv"]["changed"] and by_field["supplier.npv"]["change"] == 0


def test_list_filters_and_pages(web, key, proposal):
    for i in range(5):
        proposal["name"] = f"Leisure {i}"
        assert web.post(SAVED, json=proposal, headers=bearer(key)).status_code == 201
    first = web.get(SAVED, query_string={"limit": 2, "name": "leisure"},
                    headers=bearer(key)).json
    second = web.get(SAVED, query_string={"limit": 2, "name": "leisure",
                                          "cursor": first["next_cursor"]},
                     headers=bearer(key)).json
    third = web.get(SAVED, query_string={"limit": 2, "name": "leisure",
                                         "cursor": second["next_cursor"]},
                    headers=bearer(key)).json
    names = [i["name"] for page in (first, second, third) for i in page["items"]]
    assert names == [f"Leisure {i}" for i in (4, 3, 2, 1, 0)] and third["next_cursor"] is None
    rated = web.get(SAVED, query_string={"rating": "viable_with_cautions", "name": "revenues",
                                         "saved_from": "2026-12-02",
                                         "saved_to": "2026-12-02"}, headers=bearer(key)).json
    assert [i["id"] for i in rated["items"]] == [EXAMPLE_ID]
    before = web.get(SAVED, query_string={"saved_to": "2026-12-01"}, headers=bearer(key)).json
    assert before["items"] == []


def test_a_name_with_control_characters_is_saved(web, key, proposal):
    proposal["name"] = "Nul\u0000 and tab\t"
    response = web.post(SAVED, json=proposal, headers=bearer(key))
    assert response.status_code == 201, response.json
    assert response.json["proposal"]["name"] == "Nul\u0000 and tab\t"
    assert response.json["name"] == "Nul\ufffd and tab\t"


# -- idempotency ---------------------------------------------------------------------------------

def test_idempotency_key(web, url, key, proposal):
    headers = {**bearer(key), "Idempotency-Key": "bid-B-2026-03-03"}
    first = web.post(SAVED, json=proposal, headers=headers)
    respaced = web.post(SAVED, data=json.dumps(proposal, indent=2, sort_keys=True),
                        content_type="application/json", headers=headers)
    assert first.status_code == respaced.status_code == 201
    assert respaced.json == first.json  # the same appraisal: nothing new saved
    other = copy.deepcopy(proposal)
    other["term_years"] = 12
    reused = web.post(SAVED, json=other, headers=headers)
    assert reused.status_code == 409
    assert reused.mimetype == "application/problem+json"
    assert reused.json["type"].endswith("/idempotency-key-reused")
    assert first.json["id"] in reused.json["detail"]
    assert [r.idempotency_key for r in rows(url)].count("bid-B-2026-03-03") == 1
    bad = web.post(SAVED, json=proposal, headers={**bearer(key), "Idempotency-Key": "a b"})
    assert bad.status_code == 422
    assert bad.json["errors"][0]["pointer"] == "#/headers/Idempotency-Key"


def test_a_retry_written_another_way_is_the_same_proposal(web, url, key, proposal):
    """A generated client retrying a save writes the proposal its own way: defaults filled in,
    whole numbers as decimals. svcalc reads it as the same proposal, so the retry answers the
    saved appraisal rather than a 409; one number changed is another proposal."""
    headers = {**bearer(key), "Idempotency-Key": "portal-retry-9"}
    first = web.post(SAVED, json=proposal, headers=headers)
    assert first.status_code == 201
    rewritten = copy.deepcopy(proposal)
    rewritten.update(price_basis="real", currency="GBP")
    rewritten["public"]["baseline_annual_cost"] = float(proposal["public"]["baseline_annual_cost"])
    assert json.dumps(rewritten, sort_keys=True) != json.dumps(proposal, sort_keys=True)
    again = web.post(SAVED, json=rewritten, headers=headers)
    assert again.status_code == 201 and again.json == first.json
    rewritten["public"]["baseline_annual_cost"] += 0.01
    assert web.post(SAVED, json=rewritten, headers=headers).status_code == 409
    assert [r.idempotency_key for r in rows(url)].count("portal-retry-9") == 1


# -- security ------------------------------------------------------------------------------------

def test_another_organisations_id_is_not_found(web, url, key, proposal):
    other = key_for(url, "Other Council")
    for method, path in (("GET", f"{SAVED}/{EXAMPLE_ID}"),
                         ("GET", f"{SAVED}/{EXAMPLE_ID}/reappraisal"),
                         ("DELETE", f"{SAVED}/{EXAMPLE_ID}")):
        response = web.open(path, method=method, headers=bearer(other))
        assert response.status_code == 404, (method, path)
        assert response.mimetype == "application/problem+json"
    assert web.get(SAVED, headers=bearer(other)).json["items"] == []
    assert web.get(f"{SAVED}/{EXAMPLE_ID}", headers=bearer(key)).status_code == 200
    # The same Idempotency-Key in another organisation is another appraisal.
    mine = web.post(SAVED, json=proposal, headers={**bearer(other),
                                                     "Idempotency-Key": "portal-run-42"})
    assert mine.status_code == 201 and mine.json["id"] != EXAMPLE_ID


@pytest.mark.parametrize(("method", "path"), [
    ("POST", SAVED), ("GET", SAVED), ("GET", f"{SAVED}/{EXAMPLE_ID}"),
    ("GET", f"{SAVED}/{EXAMPLE_ID}/reappraisal"), ("DELETE", f"{SAVED}/{EXAMPLE_ID}")])
def test_saved_appraisals_need_a_live_key(web, url, proposal, method, path):
    kwargs = {"json": proposal} if method == "POST" else {}
    missing = web.open(path, method=method, **kwargs)
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="svcalc"'
    assert missing.json["type"].endswith("/unauthorized")
    from svcalc.store import keys

    store = Store(url)
    key_id, key = keys.create_key(store, "Example Council", "to revoke")
    keys.revoke_key(store, key_id)
    store.dispose()
    revoked = web.open(path, method=method, headers=bearer(key), **kwargs)
    assert revoked.status_code == 401
    assert 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]
    wrong_scheme = web.open(path, method=method, headers={"Authorization": f"Basic {key}"},
                            **kwargs)
    assert wrong_scheme.status_code == 401
    assert 'error="invalid_request"' in wrong_scheme.headers["WWW-Authenticate"]
    assert len(rows(url)) == 1


TEN_KB = "x" * 10_240
HOSTILE = ["' OR '1'='1", "1; DROP TABLE saved_appraisals; --", '" OR ""="', "%", "_",
           "\\", "\u0000", TEN_KB, "' UNION SELECT key_sha256 FROM api_keys --"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_and_filters_answer_4xx_and_change_nothing(web, url, key, value):
    """Ids, the rating, the cursor and the dates are validated before any query: a hostile value
    is 404 (an id) or 422 (a filter). The name filter is free text, so a name with SQL
    metacharacters is searched for literally (bound, LIKE wildcards escaped): it finds nothing
    here, and a 10 KB one is over its 200-character limit (422)."""
    before = [(r.id, r.result) for r in rows(url)]
    for method in ("GET", "DELETE"):
        response = web.open(f"{SAVED}/{value}", method=method, headers=bearer(key))
        assert response.status_code in (404, 405), (method, response.status_code)
        response = web.open(f"{SAVED}/{value}/reappraisal", method="GET", headers=bearer(key))
        assert response.status_code == 404
    for name in ("rating", "cursor", "saved_from", "saved_to", "limit"):
        response = web.get(SAVED, query_string={name: value}, headers=bearer(key))
        assert response.status_code == 422, name
        assert response.json["errors"][0]["pointer"] == f"#/query/{name}"
    named = web.get(SAVED, query_string={"name": value}, headers=bearer(key))
    if len(value) > 200 or not value.isprintable():  # too long, or a NUL
        assert named.status_code == 422
    else:
        assert named.status_code == 200 and named.json["items"] == []
    assert [(r.id, r.result) for r in rows(url)] == before


# -- logs ----------------------------------------------------------------------------------------

def test_no_key_body_or_query_string_in_the_logs(web, url, key, proposal, log_text):
    proposal["name"] = "SECRET-PROPOSAL-NAME"
    web.post(SAVED, json=proposal, headers=bearer(key))
    web.post(SAVED, json=proposal, headers={**bearer("svc_SECRET-WRONG-KEY")})
    web.get(SAVED, query_string={"name": "SECRET-FILTER"}, headers=bearer(key))
    web.get("/v1/sheets/series", query_string={"values": "-100,60,60", "key": key,
                                               "rate": "0.05"})
    web.get("/v1/sheets/series", query_string={"values": "-100,60,60", "key": "SECRET-QK"})
    web.post(SAVED, json=proposal, headers={**bearer(key), "Idempotency-Key": "SECRET-IK"})
    other = copy.deepcopy(proposal)
    other["term_years"] = 11
    web.post(SAVED, json=other, headers={**bearer(key), "Idempotency-Key": "SECRET-IK"})
    text = log_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len([x for x in lines if x["logger"] == "svcalc.access"]) == 7
    assert "/v1/sheets/series" in text
    for secret in (key, key[4:20], "SECRET", "Bearer", "values", "-100"):
        assert secret not in text, secret


# -- the database down ---------------------------------------------------------------------------

@pytest.mark.parametrize("down", ["sqlite:////nonexistent-folder/svcalc.db",
                                  "postgresql://svcalc@127.0.0.1:9/svcalc"])
def test_database_down_saving_503_stateless_works(make_app, down, proposal):
    web = make_app({"DATABASE_URL": down}).test_client()
    for method, path in (("POST", SAVED), ("GET", SAVED), ("GET", f"{SAVED}/{EXAMPLE_ID}")):
        response = web.open(path, method=method, json=proposal if method == "POST" else None,
                            headers=bearer("svc_any"))
        assert response.status_code == 503, response.json
        assert response.mimetype == "application/problem+json"
        assert response.json["type"].endswith("/store-unavailable")
        assert int(response.headers["Retry-After"]) > 0
    assert web.post("/v1/appraisals", json=proposal).status_code == 200
    health = web.get("/healthz")
    assert health.status_code == 200
    assert (health.json["status"], health.json["database"]) == ("degraded", "unavailable")


def test_postgres_stopped_and_started_again(make_app, proposal):
    """A real outage: the server stops under a running app (503, stateless 200), then comes
    back, and the same app saves again without a restart."""
    from bench.postgres import PostgresServer, PostgresUnavailable
    from tests.store_fixtures import seed

    try:
        server = PostgresServer()
    except PostgresUnavailable as reason:
        pytest.skip(str(reason))
    with server:
        url = server.create_database("outage")
        key = seed(url)
        app = make_app({"DATABASE_URL": url})
        web = app.test_client()
        assert web.post(SAVED, json=proposal, headers=bearer(key)).status_code == 201
        server.stop()
        assert web.post(SAVED, json=proposal, headers=bearer(key)).status_code == 503
        assert web.get(f"{SAVED}/{EXAMPLE_ID}", headers=bearer(key)).status_code == 503
        assert web.post("/v1/appraisals", json=proposal).status_code == 200
        assert web.get("/healthz").json["database"] == "unavailable"
        server.start()
        assert web.get("/healthz").json["database"] == "ok"
        assert web.post(SAVED, json=proposal, headers=bearer(key)).status_code == 201
        assert len(rows(url)) == 3
        app.extensions["svcalc.store"].dispose()


# -- keys, auth modes and rate limits ------------------------------------------------------------

def test_auth_required_closes_the_stateless_operations(make_app, url, key, proposal):
    web = make_app({"DATABASE_URL": url, "AUTH": "required"}).test_client()
    anonymous = web.post("/v1/appraisals", json=proposal)
    assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous.headers
    assert web.post("/v1/appraisals", json=proposal, headers=bearer(key)).status_code == 200
    series = {"values": "-100,60,60", "rate": "0.05", "field": "npv", "format": "text"}
    assert web.get("/v1/sheets/series", query_string=series).status_code == 401
    by_query = web.get("/v1/sheets/series", query_string={**series, "key": key})
    assert by_query.status_code == 200 and by_query.get_data(as_text=True) == "11.56"
    # The key goes in a URL only where a header cannot: elsewhere it is not read from one.
    assert web.post(f"/v1/appraisals?key={key}", json=proposal).status_code == 401
    for open_path in ("/healthz", "/v1/reference", "/openapi.json", "/docs"):
        assert web.get(open_path).status_code == 200, open_path


def test_auth_off_still_checks_a_key_that_is_sent(web, proposal):
    assert web.post("/v1/appraisals", json=proposal).status_code == 200
    wrong = web.post("/v1/appraisals", json=proposal, headers=bearer("svc_nope"))
    assert wrong.status_code == 401


def test_auth_setting_is_checked():
    with pytest.raises(ValueError, match="SVCALC_AUTH"):
        create_app({"AUTH": "sometimes"})


def test_rate_limit_per_key_is_429_with_retry_after(make_app, url, key, proposal):
    web = make_app({"DATABASE_URL": url, "RATELIMIT_PER_KEY": "3 per minute"}).test_client()
    other = key_for(url, "Other Council")
    statuses = [web.get(SAVED, headers=bearer(key)).status_code for _ in range(3)]
    assert statuses == [200] * 3
    limited = web.post("/v1/appraisals", json=proposal, headers=bearer(key))  # one budget
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert limited.json["type"].endswith("/rate-limited")
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert web.get(SAVED, headers=bearer(other)).status_code == 200  # per key
    assert web.post("/v1/appraisals", json=proposal).status_code == 200  # anonymous: no limit
    assert web.get("/healthz").status_code == 200


def test_anonymous_rate_limit_by_address(make_app, url, proposal):
    web = make_app({"DATABASE_URL": url, "RATELIMIT_ANONYMOUS": "2 per minute"}).test_client()
    statuses = [web.post("/v1/appraisals", json=proposal).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_keys_cli_shows_the_key_once(make_app, url, proposal):
    app = make_app({"DATABASE_URL": url})
    runner = app.test_cli_runner()
    made = runner.invoke(args=["keys", "create", "--org", "Shire Council", "--label", "portal"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip()
    assert key.startswith("svc_") and "\n" not in key
    web = app.test_client()
    assert web.post(SAVED, json=proposal, headers=bearer(key)).status_code == 201
    listing = runner.invoke(args=["keys", "list", "--org", "Shire Council"])
    assert "Shire Council\tportal" in listing.output and key not in listing.output
    key_id = listing.output.split("\t", 1)[0]
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert web.get(SAVED, headers=bearer(key)).status_code == 401
    assert runner.invoke(args=["keys", "revoke", "999999"]).exit_code != 0


def test_db_cli_migrates(make_app, tmp_path):
    app = make_app({"DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"})
    runner = app.test_cli_runner()
    assert "database at None" in runner.invoke(args=["db", "current"]).output
    assert "database at 0001" in runner.invoke(args=["db", "upgrade"]).output
    assert "database at None" in runner.invoke(args=["db", "downgrade", "base"]).output


def test_cors_preflight_allows_a_key_and_an_idempotency_key(web):
    response = web.options(SAVED, headers={
        "Origin": "https://portal.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, idempotency-key, content-type"})
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "idempotency-key" in allowed
    assert "Location" in response.headers["Access-Control-Expose-Headers"]
