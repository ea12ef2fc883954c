"""Every literal a template translates has a Simplified Chinese entry (issue 19, item 4).

The ``translate`` tag looks a literal up with each "%" doubled, so "Score (%)" needs the
msgid "Score (%%)" in the catalogue; a plain "Score (%)" entry is never found.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, pgettext

import hotline

TEMPLATES = Path(hotline.__file__).resolve().parent
TAG = re.compile(r'\{% (?:translate|trans) "([^"]+)"(?: context "([^"]+)")?')


def test_every_translated_template_literal_has_a_chinese_entry():
    missing = []
    with translation.override("zh-hans"):
        for path in sorted(TEMPLATES.rglob("*.html")):
            for literal, context in TAG.findall(path.read_text(encoding="utf-8")):
                msgid = literal.replace("%", "%%")
                found = pgettext(context, msgid) if context else gettext(msgid)
                if found == msgid and re.search("[A-Za-z]", literal):
                    missing.append(f"{path.relative_to(TEMPLATES)}: {literal}")
    assert missing == []


def test_a_literal_with_a_percent_sign_is_translated_in_the_page():
    from django.template import Context, Template

    with translation.override("zh-hans"):
        text = Template('{% load i18n %}{% translate "Score (%)" %}').render(Context())
    assert text == "得分（%）"
