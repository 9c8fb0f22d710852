"""/readyz per language: one language without a model names itself (with the direct pair and
the pivot through English) but does not take the served languages out of a load balancer; a
service that can serve no configured language at all is not ready."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_no_language_served_is_not_ready(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503
    models = ready.json()["models"]
    assert ready.json()["ready"] is False and models["served"] == []
    assert models["missing"] == ["ja:en", "ja:fr"]
    # en has no pivot to offer; fr is reached through English as well as directly.
    assert "kakehashi models install ja:en;" in models["hint"]
    assert "kakehashi models install ja:fr (or through English" in models["hint"]


def test_one_language_missing_stays_ready_and_names_it(
    client: TestClient, installed_en: None
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["ready"] is True
    assert body["models"]["served"] == ["en"] and body["models"]["missing"] == ["ja:fr"]
    assert body["models"]["routes"] == {"en": ["ja", "en"], "fr": None}
    assert "kakehashi models install en:fr" in body["models"]["hint"]
