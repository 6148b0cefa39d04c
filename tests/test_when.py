"""nlu.when: words that already say when, in Georgian script, Latin-typed Georgian and English."""
from __future__ import annotations

import pytest

from nlu.when import says_when


@pytest.mark.parametrize(
    "text",
    ["ხელფასი 5 ოქტომბრიდან არ ჩამირიცხეს", "იანვრის ბოლოს ამანათი დამიკავეს", "თებერვალში საკვები გაფუჭებული იყო",
     "ტერმინალზე გუშინწინ დამაყოვნეს", "წუხელ მეზობელმა ხმაური გამოიწვია", "გასულ თვეს საჩივარი დავწერე",
     "25 აგვისტოს, ბათუმში",
     "xelfasi seqtembridan ar mixdian", "ivnisshi amanati sabazhoze gaachera", "gushinwin damijarimes",
     "wina kviras klinikashi ar mimighes", "10 aprils rustavshi",
     "On the 14th of February a clerk refused my form", "since October my wages are late", "They fined me yesterday",
     "last month the canteen served spoiled food", "on May 12 at the border", "12 Sept at the customs office"],
)
def test_a_month_name_or_a_day_said_relative_to_today_says_when(text):
    assert says_when(text)


@pytest.mark.parametrize(
    "text",
    ["პატრულმა მართვის მოწმობა წამართვა", "მარტო დავრჩი და არავინ დამეხმარა", "martivi sakitxia, martvis mowmoba",
     "you may call me back", "we will march to the ministry", "a clerk was rude to me", "nobody answers the phone",
     "xelfasi ar momces"],
)
def test_words_that_only_look_like_dates_do_not(text):
    assert not says_when(text)


def test_a_long_answer_is_read_in_linear_time():
    assert not says_when("last " * 5_000) and not says_when("9" * 10_000)
