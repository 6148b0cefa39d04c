"""The Georgian lexicon: the committed word list, look-ups and typo correction."""
from nlu.lexicon import Lexicon, lexicon


def test_the_committed_list_has_the_word_forms_of_the_tesseract_model():
    words = lexicon()
    assert len(words) > 190_000
    for word in ("საჩივარი", "პენსია", "პოლიცია", "გადასახადი", "პასპორტი", "შსს", "ᲡᲐᲩᲘᲕᲐᲠᲘ"):
        assert words.known(word), word
    assert not words.known("საჩვარი") and not words.known("sachivari")
    assert all(ch in "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ" for ch in words.words[1000] + words.words[-1])


def test_nearest_corrects_a_typo_one_or_two_letters_off():
    words = lexicon()
    assert words.nearest("საჩვარი") == "საჩივარი"  # a dropped letter
    assert words.nearest("პასპოტრი") == "პასპორტი"  # two letters swapped
    assert words.nearest("გადასხადი") == "გადასახადი"
    assert words.nearest("ინფორმცია") == "ინფორმაცია"
    assert words.nearest("პენსია") == "პენსია"  # a known word is itself


def test_nearest_never_guesses_between_equally_close_words_or_beyond_the_distance():
    words = Lexicon(["ქარი", "კარი", "საჩივარი", "განცხადება"])
    assert words.nearest("ჰარი") is None  # ქარი and კარი are both one letter off
    assert words.nearest("გნცხადბა", max_distance=1) is None
    assert words.nearest("გნცხადბა", max_distance=2) == "განცხადება"
    assert words.nearest("სააჩივარიი", max_distance=1) is None
    assert words.nearest("სააჩივარიი") == "საჩივარი"


def test_starting_counts_the_words_that_begin_with_a_prefix():
    words = Lexicon(["ქარი", "ქართველი", "ქართული", "კარი"])
    assert words.starting("ქარ") == 3 and words.starting("ქართ") == 2 and words.starting("ქო") == 0
