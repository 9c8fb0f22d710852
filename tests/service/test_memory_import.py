"""/v1/memory/import with TMX files as other tools write them, and hostile ones (issues 19.11,
20.14)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import auth

# translate-toolkit's po2tmx: header srclang="en" over units srclang="ja".
PO2TMX = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
  <header creationtool="Translate Toolkit" creationtoolversion="3.20.4" segtype="sentence"
   o-tmf="UTF-8" adminlang="en" srclang="en" datatype="PlainText"/>
  <body>
    <tu srclang="ja">
      <tuv xml:lang="ja"><seg>\xe5\x81\x9c\xe6\x88\xa6\xe3\x80\x82</seg></tuv>
      <tuv xml:lang="en">
        <seg>A <bpt i="1">&lt;b&gt;</bpt>ceasefire<ept i="1">&lt;/b&gt;</ept>.</seg>
      </tuv>
    </tu>
  </body>
</tmx>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="ja"/><body>
<tu><tuv xml:lang="ja"><seg>&secret;</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>
</body></tmx>"""


def test_po2tmx_output_imports(client: TestClient, tokens: dict[str, str]) -> None:
    editor = auth(tokens["editor"])
    answer = client.post("/v1/memory/import", headers=editor, content=PO2TMX)
    assert answer.status_code == 200, answer.text
    [entry] = client.get("/v1/memory", headers=editor).json()
    assert (entry["source"], entry["translation"]) == ("停戦。", "A ceasefire.")


def test_an_external_entity_is_a_clear_422(client: TestClient, tokens: dict[str, str]) -> None:
    answer = client.post(
        "/v1/memory/import", headers=auth(tokens["editor"]), content=EXTERNAL_ENTITY
    )
    assert answer.status_code == 422
    [detail] = answer.json()["error"]["details"]
    assert detail["line"] == 4
    assert detail["message"].startswith("entity reference &secret; refused")
    assert "cyfunction" not in answer.text and "root:" not in answer.text
