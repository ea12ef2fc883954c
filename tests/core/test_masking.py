"""PRIVACY-3: the one masking function behind lists, API list endpoints and notifications."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.core.masking import mask_name, mask_phone, mask_text, redact


@pytest.mark.req("PRIVACY-3")
@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13900000033", "139****0033"),
        ("057188889999", "057*****9999"),
        ("88889999", "****9999"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_a_phone_keeps_only_its_ends(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.req("PRIVACY-3")
@pytest.mark.parametrize(
    ("name", "masked"),
    [("王明", "王*"), ("王小明", "王*明"), ("欧阳小明", "欧**明"), ("王", "*"), ("", "")],
)
def test_a_name_keeps_its_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_phone_numbers_in_free_text_are_masked_and_ticket_numbers_are_not():
    text = "市民13900000033来电，座机0571-88889999，参见工单20261128-000001"
    assert mask_text(text) == "市民139****0033来电，座机057******9999，参见工单20261128-000001"


def test_redact_blots_out_secrets_longest_first():
    assert redact("王某明说王某会来，电话13900000033", ["王某", "王某明", "13900000033", "王"]) == (
        "***说***会来，电话***"
    )


@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=20),
)
def test_no_full_mobile_number_survives_masking(phone, noise):
    """A mobile number standing apart from other digits never comes out whole."""
    assert phone not in mask_text(f"{noise}{phone}{noise}")
    assert phone not in mask_phone(phone)
