"""The desk's correction step for an HTML body, pure: a typed report and the stored markup in,
the corrected report and markup out (no database, no runtime). The report is made by the real
pipeline from real markup, so the sentences are the ones the desk would show."""

from __future__ import annotations

import pytest

from service.review.html_corrections import MarkupSplit, apply_html
from translators.article import translate_article
from translators.corrections import Correction, CorrectionError, Problem
from translators.engine import EngineBase
from translators.report import Report, decode, encode

# What the engine sees (inline markup as placeholders) and says: a known text to check against.
WORDS = {
    "見出し": "Heading",
    "核の期限がZX1。": "The deadline ZX1 today.",
    "切れた": "passed",
    "次の文。": "Next one.",
    "ZX1である。": "It is ZX1.",
    "戦術": "tactics",
}
SOURCE = '<p>核の期限が<a href="https://example.jp/x">切れた</a>。次の文。</p><p><em>戦術</em>である。</p>'
LINK = '<a href="https://example.jp/x">'


class Words(EngineBase):
    source, target, package, version = "ja", "en", "words", "1"

    def translate_batch(self, sentences: list[str]) -> list[str]:
        return [WORDS[s] for s in sentences]


def _translated() -> tuple[Report, str]:
    article = translate_article("見出し", None, SOURCE, "html", engine=Words())
    # Through the codec, as the desk reads it from the database.
    return decode(encode(Report.of(article))), article.body


def test_the_fixture_is_what_the_desk_would_show() -> None:
    report, html = _translated()
    assert [(i, part, s.translation) for i, part, s in report.flat()] == [
        (0, "title", "Heading"),
        (1, "body", "The deadline passed today."),
        (2, "body", "Next one."),
        (3, "body", "It is tactics."),
    ]
    assert html == (
        f"<p>The deadline {LINK}passed</a> today. Next one.</p><p>It is <em>tactics</em>.</p>"
    )


def test_a_body_sentence_is_corrected_in_the_report_and_in_the_markup() -> None:
    report, html = _translated()
    done, markup = apply_html(report, [Correction(1, "The deadline has passed today.")], html)
    assert markup == (
        f"<p>The deadline has {LINK}passed</a> today. Next one.</p><p>It is <em>tactics</em>.</p>"
    )
    [change] = done.changes
    assert (change.index, change.part, change.source) == (1, "body", "核の期限が切れた。")
    assert (change.before, change.after) == (
        "The deadline passed today.",
        "The deadline has passed today.",
    )
    segment = done.report.body.segments[0]
    assert (segment.translation, segment.flags, segment.strategy) == (
        "The deadline has passed today.",
        (),
        "editor",
    )
    assert report.body.segments[0].translation == "The deadline passed today."  # input kept


def test_sentences_of_several_elements_are_corrected_together_markup_kept() -> None:
    report, html = _translated()
    done, markup = apply_html(
        report,
        [Correction(3, "It is a tactic."), Correction(2, "The next one."), Correction(0, "Head")],
        html,
    )
    assert [c.index for c in done.changes] == [3, 2, 0]  # in the order given
    assert markup == (
        f"<p>The deadline {LINK}passed</a> today. The next one.</p><p>It is <em>a tactic</em>.</p>"
    )
    assert done.report.texts()[0] == "Head"


def test_a_title_only_correction_leaves_the_markup_as_stored() -> None:
    report, html = _translated()
    done, markup = apply_html(report, [Correction(0, "A new heading")], html)
    assert markup == html
    assert done.report.title.segments[0].translation == "A new heading"


def test_bad_corrections_are_refused_before_the_markup_is_touched() -> None:
    report, html = _translated()
    with pytest.raises(CorrectionError) as caught:
        apply_html(report, [Correction(1, "ok"), Correction(9, "x"), Correction(2, " ")], html)
    assert caught.value.problems == (
        Problem(1, 9, "no segment with this index"),
        Problem(2, 2, "empty text"),
    )


def test_a_sentence_the_markup_does_not_hold_is_named_by_its_desk_index() -> None:
    report, html = _translated()
    # The stored markup does not hold the second body sentence's text as the report has it:
    # the desk cannot place the correction, and names it as the editor did.
    changed = html.replace("Next one.", "Next one!")
    with pytest.raises(MarkupSplit) as caught:
        apply_html(report, [Correction(1, "Fine."), Correction(2, "The next one.")], changed)
    assert caught.value.index == 2
    assert "correct it in the CMS" in str(caught.value)
