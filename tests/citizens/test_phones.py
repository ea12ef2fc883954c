"""Issue 19 item 2: caller numbers are checked and normalised by one normaliser."""

from __future__ import annotations

import pytest

from hotline.citizens.phones import InvalidPhone, phone_normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("0755-12345678", "0755-12345678"),
        ("075512345678", "0755-12345678"),
        ("(0755) 1234 5678", "0755-12345678"),
        ("010-8888 8888", "010-88888888"),
        ("010-88888888转123", "010-88888888-123"),
        ("0755-12345678 ext 12", "0755-12345678-12"),
        ("0755-1234567-88", "0755-1234567-88"),
        ("+86 755 12345678", "0755-12345678"),
        ("+852 2123 4567", "+85221234567"),
        ("0044 20 7946 0958", "+442079460958"),
    ],
)
def test_it_normalises_mobile_fixed_and_international_numbers(typed, stored):
    assert phone_normalise(typed) == stored


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("abc-12", "数字以外"),
        ("1380013800", "11 位"),
        ("138001380001", "11 位"),
        ("12345", "11 位"),
        ("0755-123", "区号"),
        ("12345678", "11 位"),
        ("88888888", "区号"),
        ("+1234", "国际号码"),
        ("", "未提供号码"),
        ("13800138000转12", "分机"),
    ],
)
def test_it_says_what_is_wrong_with_a_bad_number(typed, says):
    with pytest.raises(InvalidPhone) as refused:
        phone_normalise(typed)
    assert says in refused.value.message
