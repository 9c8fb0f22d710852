"""The typed, versioned translation report: one codec (today's stored dicts read the same),
and corrections and approval as pure functions."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from glossaries import Entry, Matcher
from translators.article import translate_article
from translators.corrections import (
    Correction,
    CorrectionError,
    Problem,
    apply_corrections,
    approved,
    rejected,
)
from translators.engine import EngineBase
from translators.report import VERSION, Report, ReportError, decode, encode


class Upper(EngineBase):
    source, target, package, version = "ja", "en", "upper", "1"

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [f"EN[{s}]" for s in sentences]


ENTRY = Entry("瀬戸際外交", {"en": "brinkmanship"}, id="e1")


def _report() -> Report:
    article = translate_article(
        "瀬戸際外交の行方",
        "要約です。",
        "瀬戸際外交が続いている。会談は行われた。\n\n次の段落。",
        "text",
        engine=Upper(),
        matcher=Matcher([ENTRY]),
    )
    return Report.of(article)


# What main stored before the report was typed (no "version"): read as version 1.
V1 = {
    "review_reasons": ["untranslated"],
    "title": {
        "segments": [
            {
                "paragraph": 0,
                "source": "見出し",
                "translation": "Heading",
                "flags": [],
                "strategy": "inline",
                "terms": [],
            }
        ],
        "text": "Heading",
        "route": ["ja", "en"],
        "needs_review": False,
        "review_reasons": [],
    },
    "summary": {"segments": [], "text": "", "route": ["ja", "en"], "needs_review": False},
    "body": {
        "segments": [
            {
                "paragraph": 0,
                "source": "瀬戸際外交が続いている。",
                "translation": "瀬戸際 goes on.",
                "flags": ["untranslated"],
                "strategy": "split",
                "terms": [
                    {
                        "entry_id": "e1",
                        "source": "瀬戸際外交",
                        "target": "brinkmanship",
                        "present": True,
                        "strategy": "split",
                    }
                ],
            }
        ],
        "text": "瀬戸際 goes on.",
        "route": ["ja", "en"],
        "needs_review": True,
        "review_reasons": ["untranslated"],
    },
    "cache": {"hits": 1, "misses": 1},
}


def test_encode_then_decode_is_the_same_report() -> None:
    report = _report()
    stored = json.loads(json.dumps(encode(report)))  # through JSON, as the database keeps it
    assert stored["version"] == VERSION
    assert decode(stored) == report
    assert stored["body"]["text"] == report.body.text


def test_a_stored_version_1_report_reads_and_writes_back_the_same() -> None:
    report = decode(V1)
    assert report.review_reasons == ("untranslated",)
    [(index, part, segment)] = [f for f in report.flat() if f[1] == "body"]
    assert (index, part, segment.flags) == (1, "body", ("untranslated",))
    assert segment.terms[0].entry_id == "e1" and segment.terms[0].present
    assert (report.cache_hits, report.cache_misses) == (1, 1)
    again = encode(report)
    assert again.pop("version") == VERSION
    v1 = json.loads(json.dumps(V1))
    v1["summary"]["review_reasons"] = []  # a field v1 could leave out, written explicitly
    assert again == v1


def test_the_article_stores_the_encoded_report() -> None:
    article = translate_article("見出し", None, "本文。\n\n二段落目。", "text", engine=Upper())
    assert article.report() == encode(Report.of(article))
    assert Report.of(article).texts() == (article.title, article.summary, article.body)


@pytest.mark.parametrize("bad", [{"version": 3}, {"version": "2"}])
def test_a_newer_or_unknown_version_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ReportError, match="version"):
        decode(bad)


def test_a_newer_version_says_so_and_what_to_do() -> None:
    newer = {**encode(_report()), "version": VERSION + 1}
    with pytest.raises(ReportError, match=f"version {VERSION + 1} is newer .*up to {VERSION}"):
        decode(newer)


@pytest.mark.parametrize("version", [True, 0, -1, 2.0, None])
def test_a_version_that_is_not_a_known_number_is_refused(version: object) -> None:
    # JSON true would pass an `in (1, 2)` test (True == 1): the codec does not take it.
    with pytest.raises(ReportError, match="not a version this code knows"):
        decode({**V1, "version": version})


def test_a_stored_value_of_the_wrong_type_is_a_report_error_not_a_crash() -> None:
    broken = json.loads(json.dumps(V1))
    broken["body"]["segments"][0]["paragraph"] = "first"
    with pytest.raises(ReportError, match="not a translation report"):
        decode(broken)
    with pytest.raises(ReportError, match="JSON object"):
        decode([])  # type: ignore[arg-type]


def test_rejection_keeps_the_verdicts_and_round_trips() -> None:
    report = decode(V1)
    done = rejected(report, by="editor@desk", at="2026-12-03T19:00:00+00:00", note="garbled")
    assert done.review_reasons == ("untranslated",) and done.body.needs_review
    stored = json.loads(json.dumps(encode(done)))
    assert stored["rejected"] == {
        "by": "editor@desk",
        "at": "2026-12-03T19:00:00+00:00",
        "note": "garbled",
    }
    assert decode(stored) == done and decode(stored).rejected is not None
    assert "rejected" not in encode(report)  # only once rejected


def test_corrections_replace_segments_and_rebuild_the_texts() -> None:
    report = _report()
    flat = report.flat()
    body = [i for i, part, _ in flat if part == "body"]
    done = apply_corrections(
        report, [Correction(body[1], "  Talks were held.  "), Correction(0, "Where next")]
    )
    assert [c.index for c in done.changes] == [body[1], 0]  # in the order given
    first = done.changes[0]
    assert (first.part, first.source, first.after) == (
        "body",
        "会談は行われた。",
        "Talks were held.",
    )
    assert first.before == "EN[会談は行われた。]"
    corrected = done.report.part("body").segments[1]
    assert (corrected.translation, corrected.flags, corrected.strategy) == (
        "Talks were held.",
        (),
        "editor",
    )
    assert done.report.body.text.split("\n\n")[0].endswith("Talks were held.")
    assert done.report.title.text == "Where next"
    assert report.body.segments[1].translation == "EN[会談は行われた。]"  # the input is untouched
    terms = done.changes[1].terms
    assert [t.entry_id for t in terms] == ["e1"]  # what the memory keys the sentence by


def test_bad_corrections_are_all_named_and_nothing_is_applied() -> None:
    report = _report()
    last_body = len(report.flat()) - 1
    with pytest.raises(CorrectionError) as caught:
        apply_corrections(
            report,
            [
                Correction(99, "x"),
                Correction(0, "ok"),
                Correction(0, "again"),
                Correction(1, "   "),
                Correction(last_body, "html"),
            ],
            html_body=True,
        )
    assert caught.value.problems == (
        Problem(0, 99, "no segment with this index"),
        Problem(2, 0, "corrected twice"),
        Problem(3, 1, "empty text"),
        Problem(4, last_body, "segments of an HTML body cannot be corrected here yet"),
    )


def test_approval_clears_every_verdict_and_keeps_the_reasons() -> None:
    report = replace(_report(), review_reasons=("truncated",))
    report = replace(report, body=replace(report.body, needs_review=True, review_reasons=("x",)))
    done = approved(report, by="editor@desk", at="2026-12-03T19:00:00+00:00")
    assert done.review_reasons == () and not done.body.needs_review and not done.body.review_reasons
    assert done.approved is not None and done.approved.reasons == ("truncated",)
    stored = encode(done)
    assert stored["approved"] == {
        "by": "editor@desk",
        "at": "2026-12-03T19:00:00+00:00",
        "reasons": ["truncated"],
    }
    assert decode(stored) == done
