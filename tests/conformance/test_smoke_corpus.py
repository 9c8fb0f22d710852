from __future__ import annotations
import pytest
from tests.conformance.conftest import Service

pytestmark = pytest.mark.conformance

def test_corpus(service: Service) -> None:
    r = service.get("/feeds/en.atom")
    print(r.text[:3000])
    assert r.status_code == 200
