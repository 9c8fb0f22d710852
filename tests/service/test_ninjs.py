"""ninjs 3.1 and 2.2 (issue 23): every output (an item, a withheld item, a canceled stub, a
feed page) validates against the IPTC schemas in ../shared/eval/ninjs (JSON Schema 2020-12);
the feed pages like the other formats (cursor, ETag, 304)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from service.runtime import Runtime
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

SHARED = Path(os.environ.get("KAKEHASHI_SHARED_DIR", Path(__file__).parents[3] / "shared"))
SCHEMAS = {v: SHARED / f"eval/ninjs/ninjs-schema_{v}.json" for v in ("3.1", "2.2")}
HTML_BODY = '<p>本文。</p><p><img src="https://img.example.jp/a.jpg" alt="写真"></p><p>続き。</p>'


def validators() -> dict[str, jsonschema.protocols.Validator]:
    missing = [str(p) for p in SCHEMAS.values() if not p.is_file()]
    if missing:
        pytest.skip(f"the ninjs schemas are not here (set KAKEHASHI_SHARED_DIR): {missing}")
    out = {}
    for version, path in SCHEMAS.items():
        schema = json.loads(path.read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        assert cls is jsonschema.Draft202012Validator
        out[version] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return out


def check(
    doc: dict[str, Any], version: str, found: dict[str, jsonschema.protocols.Validator]
) -> None:
    errors = [e.message for e in found[version].iter_errors(doc)]
    assert not errors, (version, errors, doc)


def test_every_ninjs_output_validates_against_both_schemas(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    found = validators()
    publisher, partner = auth(tokens["publisher"]), auth(tokens["partner"])
    client.post(
        "/v1/articles",
        json=article(
            "n-1", format="html", body=HTML_BODY, correction="訂正。", change="correction"
        ),
        headers=publisher,
    )
    translate_directly(runtime, "n-1", "en")
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    client.post("/v1/articles", json=article("n-2", embargoed_until=later), headers=publisher)
    translate_directly(runtime, "n-2", "en")
    client.post("/v1/articles", json=article("n-3"), headers=publisher)
    client.delete("/v1/articles/n-3", headers=publisher)
    for version, suffix in (("3.1", ""), ("2.2", "?version=2.2")):
        en = client.get(f"/v1/items/n-1/en.ninjs{suffix}", headers=partner)
        assert en.status_code == 200, en.text
        doc = en.json()
        check(doc, version, found)
        status = "pubStatus" if version == "3.1" else "pubstatus"
        alt_ids = "altIds" if version == "3.1" else "altids"
        assert doc[status] == "usable"
        assert {"role": "newsroom", "value": "n-1"} in doc[alt_ids]
        assert doc["subjects"][0]["name"] == "security"
        kinds = {a["type"]: a for a in doc["associations"]}
        assert kinds["text"]["uri"] == "https://news.example.jp/articles/n-1"  # the original
        assert "Machine-translated from ja" in doc["edNote" if version == "3.1" else "ednote"]
        assert doc["bodies"][0]["value"].startswith("<p>")
        ja = client.get(f"/v1/items/n-1/ja.ninjs{suffix}", headers=partner).json()
        check(ja, version, found)
        (picture,) = ja["associations"]  # the original's image, with its rendition
        assert picture["type"] == "picture"
        assert picture["renditions"][0]["href"] == "https://img.example.jp/a.jpg"
        assert {"role": "correction", "value": "訂正。"} in ja["descriptions"]
        # Under embargo: partners get nothing, editors a withheld item.
        assert client.get(f"/v1/items/n-2/en.ninjs{suffix}", headers=partner).status_code == 404
        withheld = client.get(f"/v1/items/n-2/en.ninjs{suffix}", headers=auth(tokens["editor"]))
        check(withheld.json(), version, found)
        assert withheld.json()[status] == "withheld"
        assert "embargoedUntil" in withheld.json() or "embargoed" in withheld.json()
        canceled = client.get(f"/v1/items/n-3/ja.ninjs{suffix}", headers=partner).json()
        check(canceled, version, found)
        assert canceled[status] == "canceled"
        fmt = "ninjs" if version == "3.1" else "ninjs2"
        page = client.get(f"/feeds/en.{fmt}", headers=partner)
        assert page.status_code == 200
        body = page.json()
        for item in body["items"]:
            check(item, version, found)
        assert body["items"][0]["uri"] == "urn:kakehashi:article:n-1:en"
        assert "n-2" not in page.text
        ja_page = client.get(f"/feeds/ja.{fmt}", headers=partner).json()
        for item in ja_page["items"]:
            check(item, version, found)
        assert {i["uri"]: i[status] for i in ja_page["items"]}[
            "urn:kakehashi:article:n-3:ja"
        ] == "canceled"


def test_the_ninjs_feed_pages_and_revalidates_like_the_others(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    publisher = auth(tokens["publisher"])
    for n in range(3):
        client.post("/v1/articles", json=article(f"p-{n}"), headers=publisher)
    token = {"token": tokens["partner"]}
    first = client.get("/feeds/ja.ninjs", params={**token, "limit": 2})
    assert len(first.json()["items"]) == 2
    nxt = first.json()["next"]
    assert nxt and "before=" in nxt
    rest = client.get(nxt.replace(runtime.settings.public_url.rstrip("/"), ""))
    assert [i["uri"] for i in rest.json()["items"]] == ["urn:kakehashi:article:p-0:ja"]
    again = client.get(
        "/feeds/ja.ninjs",
        params={**token, "limit": 2},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
    assert client.get("/v1/items/p-0/en.ninjs?version=9", headers=publisher).status_code == 422
