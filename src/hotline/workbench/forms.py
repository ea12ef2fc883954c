"""Forms of the screens: the call form of the workstation and one form per ticket action.

Field errors are in Chinese next to the field; a service's refusal (``DomainError``) is shown
at the top of the form by the view, with everything the user typed kept.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hotline.channels.models import Peer
from hotline.citizens.phones import InvalidPhone, phone_normalise
from hotline.core.categories import Category
from hotline.core.edge import EdgeFormMixin
from hotline.directory.models import Unit
from hotline.policy.profiles import load_profile
from hotline.tickets import labels
from hotline.tickets.models import CitizenNotice
from hotline.workbench import selectors

SATISFACTION_CHOICES = [
    ("", _("Not stated")),
    ("satisfied", _("Satisfied")),
    ("basically_satisfied", _("Basically satisfied")),
    ("dissatisfied", _("Dissatisfied")),
    ("declined", _("Declined to say")),
]
#: The citizen's evaluation of a direct answer at the end of the call (ANSWER-3).
EVALUATION_CHOICES = [
    ("", "—"),
    ("satisfied", _("Satisfied")),
    ("basically_satisfied", _("Basically satisfied")),
    ("dissatisfied", _("Dissatisfied")),
    ("declined", _("Declined to evaluate")),
]
#: No result is pre-selected (issue 13): the agent must choose one.
CALLBACK_CHOICES = [
    ("", "—"),
    ("satisfied", _("Satisfied")),
    ("basically_satisfied", _("Basically satisfied")),
    ("dissatisfied", _("Dissatisfied")),
    ("unreached", _("Not reached")),
]
OUTCOME_CHOICES = [
    ("ticket", _("Create the ticket")),
    ("answer", _("Answer directly")),
    ("defer", _("Answer later")),
    ("reject", _("Not accepted")),
    ("navigate", _("Navigation help")),
]


def day_end(day: Any) -> datetime:
    """Return 24:00 of ``day`` in the centre's time zone (00:00 of the next day)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


class UnitField(forms.CharField):
    """A unit typed or picked from the type-ahead: a code, "name（code）" or a name."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        unit, error = selectors.unit_resolve(text)
        if unit is None:
            raise forms.ValidationError(error)
        return unit


class AreaField(forms.CharField):
    """An area typed or picked from the gazetteer: a code, "name（code）", a name or an alias."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        area, error = selectors.area_resolve(text)
        if area is None:
            raise forms.ValidationError(error)
        return area


def reject_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(r.code, r.text) for r in selectors.not_accepted_reasons()]


class CallForm(EdgeFormMixin, forms.Form):
    """One call at the agent workstation (接线工作台): who, what, where, and what to do."""

    # INTAKE-5: checked and normalised by the one normaliser (``citizens.phones``).
    phone = forms.CharField(label=_("Caller number"), max_length=40, required=False)
    withheld = forms.BooleanField(label=_("The caller withheld the number"), required=False)
    name = forms.CharField(label=_("Caller name"), max_length=64, required=False)
    content = forms.CharField(label=_("Request"), widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(label=_("Type"), choices=Category.choices)
    # A12, S4: accepted and fast-tracked; not the emergency referral (110/119/120), which is a
    # reason not to accept. The two never share a word.
    urgent = forms.BooleanField(label=_("Urgent (accepted, fast-tracked)"), required=False)
    complex = forms.BooleanField(label=_("Complex"), required=False)
    confidential = forms.BooleanField(
        label=_("Keep the caller's identity confidential"), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    area = AreaField(label=_("Area"), max_length=120, required=False)
    outcome = forms.ChoiceField(
        label=_("What to do"), choices=OUTCOME_CHOICES, widget=forms.RadioSelect, initial="ticket"
    )
    unit = UnitField(label=_("Handling unit"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Note to the unit"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer = forms.CharField(
        label=_("Answer given"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    articles = forms.CharField(required=False, widget=forms.HiddenInput)
    evaluation = forms.ChoiceField(
        label=_("The caller's evaluation of the answer"),
        required=False,
        choices=EVALUATION_CHOICES,
    )
    navigate_note = forms.CharField(
        label=_("Help given"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pointed_to = forms.CharField(
        label=_("Pointed to (channel, unit, number)"), required=False, max_length=200
    )
    defer_note = forms.CharField(label=_("What is to be found out"), required=False)
    reject_reason = forms.ChoiceField(label=_("Reason not accepted"), required=False, choices=[])
    reject_note = forms.CharField(label=_("Details of the reason"), required=False)
    related = forms.MultipleChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reject: Any = self.fields["reject_reason"]
        reject.choices = reject_choices()
        related: Any = self.fields["related"]
        # The caller's earlier tickets arrive with the caller panel; any number is offered and
        # the service checks that it exists.
        data: Any = self.data
        related.choices = [(n, n) for n in data.getlist("related")] if data else []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("withheld"):
            data["phone"] = ""
        elif "phone" in data:
            try:
                data["phone"] = phone_normalise(data["phone"])
            except InvalidPhone as exc:
                self.add_error("phone", exc.message)
        outcome = data.get("outcome")
        if outcome == "answer" and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Type the answer given to the caller."))
        if outcome == "answer" and evaluation_required() and not data.get("evaluation"):
            self.add_error(
                "evaluation",
                _("Ask the caller to evaluate the answer (or record that they declined)."),
            )
        if outcome == "navigate":
            if not (data.get("navigate_note") or "").strip():
                self.add_error("navigate_note", _("Describe the help given."))
            if not (data.get("pointed_to") or "").strip():
                self.add_error("pointed_to", _("Say where the caller was pointed."))
        if outcome == "reject":
            if not data.get("reject_reason"):
                self.add_error("reject_reason", _("Choose why the request is not accepted."))
            else:
                item = next(
                    (
                        r
                        for r in selectors.not_accepted_reasons()
                        if r.code == data["reject_reason"]
                    ),
                    None,
                )
                if item is not None and item.requires_note and not data.get("reject_note"):
                    self.add_error("reject_note", _("This reason needs details."))
        return data

    def article_ids(self) -> list[str]:
        raw = self.cleaned_data.get("articles") or ""
        return [part for part in (p.strip() for p in raw.split(",")) if part]


class NoteForm(EdgeFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(EdgeFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class EmptyForm(EdgeFormMixin, forms.Form):
    pass


class RejectForm(EdgeFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason not accepted"), choices=[])
    note = forms.CharField(label=_("Details of the reason"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["reason"]
        field.choices = reject_choices()


class AnswerForm(EdgeFormMixin, forms.Form):
    content = forms.CharField(label=_("Answer given"), widget=forms.Textarea(attrs={"rows": 3}))
    articles = forms.CharField(label=_("Articles cited (ids)"), required=False)

    def article_ids(self) -> list[str]:
        raw = self.cleaned_data.get("articles") or ""
        return [part for part in (p.strip() for p in raw.split(",")) if part]


class DispatchForm(EdgeFormMixin, forms.Form):
    unit = UnitField(label=_("Handling unit"), max_length=120)
    assisting = forms.CharField(
        label=_("Assisting units (codes, comma-separated)"), required=False, max_length=200
    )
    note = forms.CharField(
        label=_("Note to the unit"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_assisting(self) -> list[str]:
        raw = self.cleaned_data.get("assisting") or ""
        codes = [c.strip() for c in raw.replace("，", ",").split(",") if c.strip()]
        known = set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(_("Unknown unit codes: %s") % "、".join(unknown))
        return codes


class ReturnForm(EdgeFormMixin, forms.Form):
    """The profile decides what a return needs (HANDLE-3, A29, T2): the ground is a choice
    (required under QLH), the basis is required only where the profile requires it."""

    ground = forms.ChoiceField(label=_("Ground for the return"), required=False, choices=[])
    reason = forms.CharField(
        label=_("Reason for the return"), widget=forms.Textarea(attrs={"rows": 2})
    )
    basis = forms.CharField(label=_("Basis (responsibility list, law)"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        returns = load_profile(settings.HOTLINE_PROFILE).returns
        ground: Any = self.fields["ground"]
        ground.choices = [("", "—")] + [(g.code, g.text) for g in returns.grounds]
        ground.required = returns.ground_required
        self.fields["reason"].required = returns.requires_reason
        self.fields["basis"].required = returns.requires_basis


class ExtensionForm(EdgeFormMixin, forms.Form):
    until = forms.DateField(
        label=_("New deadline (end of day)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    basis = forms.CharField(label=_("Basis"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # HANDLE-5, T7: the grounds the regulation names, offered as the reason's wording.
        grounds = load_profile(settings.HOTLINE_PROFILE).extension.grounds
        if grounds:
            self.fields["reason"].help_text = "、".join(grounds)


class DecisionForm(EdgeFormMixin, forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approved", _("Approve")), ("refused", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    until = forms.DateField(
        label=_("Other deadline (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Note"), required=False)


class ReplyForm(EdgeFormMixin, forms.Form):
    content = forms.CharField(
        label=_("Reply to the citizen"), widget=forms.Textarea(attrs={"rows": 4})
    )
    citizen_satisfaction = forms.ChoiceField(
        label=_("Satisfaction as the citizen said"), choices=SATISFACTION_CHOICES, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # QLH 五(四): the unit asks the citizen's satisfaction when replying (T5).
        self.fields["citizen_satisfaction"].required = load_profile(
            settings.HOTLINE_PROFILE
        ).reply.asks_satisfaction


class EvaluateForm(forms.Form):
    result = forms.ChoiceField(
        label=_("The caller's evaluation of the answer"), choices=EVALUATION_CHOICES[1:]
    )
    note = forms.CharField(label=_("Note"), required=False)


class NavigateForm(forms.Form):
    note = forms.CharField(label=_("Help given"), widget=forms.Textarea(attrs={"rows": 2}))
    pointed_to = forms.CharField(label=_("Pointed to (channel, unit, number)"), max_length=200)


class TellCitizenForm(forms.Form):
    """The citizen was told of an approved extension: by whom, when, how (HANDLE-5)."""

    how = forms.ChoiceField(label=_("How"), choices=CitizenNotice.How.choices)
    told_at = forms.DateTimeField(
        label=_("When (leave empty for now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    told_by = forms.CharField(label=_("By whom"), required=False, max_length=64)
    note = forms.CharField(label=_("Note"), required=False)


def evaluation_required() -> bool:
    """Return whether direct answers are evaluated at once under the profile (ANSWER-3)."""
    return load_profile(settings.HOTLINE_PROFILE).callback.direct_answers == "evaluate_at_once"


YES_NO_CHOICES = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class CallbackForm(EdgeFormMixin, forms.Form):
    """The callback (CALLBACK-2, A19): the result, and with a reached citizen whether the
    matter was solved and whether the unit contacted them in time, as the citizen says."""

    result = forms.ChoiceField(label=_("Result"), choices=CALLBACK_CHOICES)
    solved = forms.ChoiceField(label=_("Solved"), choices=YES_NO_CHOICES, required=False)
    contacted_in_time = forms.ChoiceField(
        label=_("Contacted in time"), choices=YES_NO_CHOICES, required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reached = data.get("result") not in (None, "", "unreached")
        for name in ("solved", "contacted_in_time"):
            value = data.get(name) or ""
            if reached and not value:
                self.add_error(name, _("Ask the citizen and record the answer."))
            data[name] = (value == "yes") if reached and value else None
        return data


class TransferForm(EdgeFormMixin, forms.Form):
    platform = forms.CharField(label=_("Platform transferred to"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        peers = list(Peer.objects.filter(active=True).values_list("name", flat=True))
        if peers:
            self.fields["platform"].help_text = _(
                "Connected platforms receive the ticket itself: %(names)s. Any other name is "
                "only recorded."
            ) % {"names": "、".join(peers)}


# Issue 12 part 2. Forms whose choices depend on the ticket set ``needs_ticket``.


class LiaisonCallForm(EdgeFormMixin, forms.Form):
    """DISPATCH-3: the agent's call to the lead unit's liaison about an urgent ticket."""

    needs_ticket = True
    liaison = forms.TypedChoiceField(
        label=_("Liaison called"), coerce=int, required=False, empty_value=None, choices=[]
    )
    reached = forms.BooleanField(label=_("Reached the liaison"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["liaison"]
        lead = ticket.assignments.filter(active=True, role="lead").first() if ticket else None
        liaisons = list(lead.unit.liaisons.all()) if lead else []
        field.choices = [("", "—")] + [(x.pk, f"{x.name} {x.phone}") for x in liaisons]


class ContributionForm(EdgeFormMixin, forms.Form):
    content = forms.CharField(
        label=_("Contribution to the lead unit"), widget=forms.Textarea(attrs={"rows": 3})
    )


class WaiveForm(EdgeFormMixin, forms.Form):
    """DISPATCH-4: the lead records why it replies without an assisting unit's contribution."""

    needs_ticket = True
    unit = forms.ChoiceField(label=_("Assisting unit"), choices=[])
    reason = forms.CharField(
        label=_("Why the reply does not wait"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        open_ = (
            ticket.assignments.filter(
                active=True, role="assist", contributed_at__isnull=True, waived_reason=""
            ).select_related("unit")
            if ticket
            else []
        )
        field.choices = [(a.unit.code, a.unit.name) for a in open_]


class EscalationFlagForm(EdgeFormMixin, forms.Form):
    """HANDLE-7: the kinds of matter that must go to the unit's head, from the profile."""

    needs_ticket = True
    kinds = forms.MultipleChoiceField(
        label=_("Matter for the unit's head"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["kinds"]
        field.choices = selectors.escalation_choices(ticket)


class ReasonForm(EdgeFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReclassifyDecisionForm(EdgeFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approved", _("Approve")), ("refused", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False)


class EventFlagForm(EdgeFormMixin, forms.Form):
    """SH 第十五条, A17: the time of the event; left empty, the time the unit learned of it."""

    event_at = forms.DateTimeField(
        label=_("Time of the event (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}))


class EventReportForm(EdgeFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Report made"),
        choices=[("oral", _("Oral report")), ("written", _("Written follow-up"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("What was reported, to whom"))


class AttachmentForm(EdgeFormMixin, forms.Form):
    file = forms.FileField(label=_("Document or image"))


def state_choices() -> list[tuple[str, Any]]:
    """Return the ticket states as the list's filter offers them, by name."""
    return [("", _("Any"))] + [(str(state), label) for state, label in labels.STATES.items()]


class FilterUnitField(forms.CharField):
    """A unit for filtering: picked by name from the type-ahead, or a code (old links)."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        unit = selectors.unit_find(text)
        if unit is None:
            raise forms.ValidationError(
                _("No unit is called “%(text)s”; pick one from the list.") % {"text": text}
            )
        return unit


class TicketFilterForm(EdgeFormMixin, forms.Form):
    """The ticket list's filters (issue 19): states and lights as choices, the unit by name
    with type-ahead, the registration date as a range."""

    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[])
    light = forms.ChoiceField(
        label=_("Light"),
        required=False,
        choices=[
            ("", _("Any")),
            ("overdue", _("Overdue")),
            ("warning", _("Due soon")),
            ("normal", _("On time")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *Category.choices]
    )
    unit = FilterUnitField(
        label=_("Unit"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={"list": "filter-units", "autocomplete": "off", "placeholder": _("unit name")}
        ),
    )
    registered_from = forms.DateField(
        label=_("Registered from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    registered_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state: Any = self.fields["state"]
        state.choices = state_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and start > end:
            self.add_error("registered_to", _("The end of the range is before its start."))
        return data


class SavedFilterForm(EdgeFormMixin, forms.Form):
    """Save the list's current filters under a name."""

    name = forms.CharField(label=_("Name of the filter"), max_length=40)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
