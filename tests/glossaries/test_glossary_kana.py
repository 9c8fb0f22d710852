from glossaries.kana import Suggestion, fold, katakana_words, suggest_variants
from glossaries.model import Entry


def test_fold_v_sounds_to_b() -> None:
    assert fold("ヴァイオリン") == fold("バイオリン") == "バイオリン"
    assert fold("ヴィ ヴ ヴェ ヴォ") == "ビ ブ ベ ボ"


def test_fold_small_ke_and_ka() -> None:
    assert fold("一ヶ月") == fold("一ケ月") == "一ケ月"
    assert fold("一ヵ所") == fold("一カ所") == "一カ所"


def test_fold_drops_long_vowel_and_middle_dot() -> None:
    assert fold("コンピューター") == fold("コンピュータ")
    assert fold("アメリカ・ファースト") == fold("アメリカファースト")


def test_fold_half_width_and_hiragana() -> None:
    assert fold("ﾏｽｶﾛﾌｶ") == fold("マスカロフカ") == "マスカロフカ"
    assert fold("ｳﾞｧｲｵﾘﾝ") == "バイオリン"
    assert fold("ばいおりん") == "バイオリン"


def test_fold_small_vowels_but_keeps_sokuon() -> None:
    assert fold("ウィスキー") == fold("ウイスキー")
    assert fold("バッグ") != fold("バツグ")
    assert "ッ" in fold("バッグ")


def test_katakana_words_counts_maximal_runs() -> None:
    words = katakana_words("マスキロフカとマスキロフカ、ロシア・ウクライナ。ア、ｻﾊﾘﾝ、ーー")
    assert words == {"マスキロフカ": 2, "ロシア": 1, "ウクライナ": 1, "サハリン": 1}


def test_suggestions_by_folding_and_by_edit_distance() -> None:
    violin = Entry("バイオリン", {"en": "violin"})
    maskirovka = Entry("マスカロフカ", {"en": "maskirovka"})
    seen = {"ヴァイオリン": 3, "マスキロフカ": 5, "マスカロフカ": 9, "ロシア": 4, "バイオリソ": 1}
    suggestions = suggest_variants([violin, maskirovka], seen)
    assert suggestions == [
        Suggestion(maskirovka.id, "マスカロフカ", "マスキロフカ", 5, "edit-distance"),
        Suggestion(violin.id, "バイオリン", "ヴァイオリン", 3, "kana-folding"),
        Suggestion(violin.id, "バイオリン", "バイオリソ", 1, "edit-distance"),
    ]


def test_no_suggestion_for_known_surfaces_short_words_or_far_words() -> None:
    entries = [Entry("マスカロフカ", {"en": "m"}, aliases=("マスキロフカ",)), Entry("ロシア", {})]
    seen = {"マスキロフカ": 5, "ロシヤ": 2, "マスクロフスキー": 1}
    assert suggest_variants(entries, seen) == []
    assert suggest_variants(entries, {"ロシヤ": 2}, max_distance=0) == []


def test_larger_distance_is_honoured() -> None:
    entry = Entry("マスカロフカ", {})
    assert suggest_variants([entry], {"マスキロフコ": 1}) == []
    (suggestion,) = suggest_variants([entry], {"マスキロフコ": 1}, max_distance=2)
    assert suggestion.reason == "edit-distance"
