"""The citizen record (CRM, INTAKE-5): who calls, how to reach them, their history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.citizens.phones import InvalidPhone, phone_normalise
from hotline.core.masking import mask_name, mask_phone

#: How a withheld number is shown wherever a phone would be.
WITHHELD_LABEL = _("number withheld")


class Citizen(models.Model):
    """A person who contacts the centre. Personal data: every staff read is audited (PRIVACY-3).

    The phone number reaches a caller; one number may serve a family, so several citizens
    (contacts) may share it, each with their own name, and a ticket names the one who called.
    A citizen may be anonymous (no name); a caller who withholds the number has an empty
    ``phone`` and ``phone_withheld`` set. ``phone`` is stored as ``phones.phone_normalise``
    returns it.
    """

    phone = models.CharField(_("phone"), max_length=32, db_index=True, blank=True)
    phone_withheld = models.BooleanField(_("number withheld by the caller"), default=False)
    name = models.CharField(_("name"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.ForeignKey(
        "directory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    # INTAKE-7: a malicious caller is flagged by number, with evidence and a supervisor's
    # decision, in ``quality.CallerFlag`` (it expires and can be appealed).
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or '—'} {self.masked_phone}"

    def clean(self) -> None:
        """Normalise the phone (admin edits); a withheld number has none."""
        if self.phone_withheld:
            self.phone = ""
            return
        try:
            self.phone = phone_normalise(self.phone)
        except InvalidPhone as exc:
            raise ValidationError({"phone": exc.message}) from None

    @property
    def masked_phone(self) -> str:
        """The phone as lists show it (PRIVACY-3): ``139****0033``."""
        if self.phone_withheld:
            return str(WITHHELD_LABEL)
        return mask_phone(self.phone)

    @property
    def phone_display(self) -> str:
        """The phone in full, or the words saying that the caller withheld it."""
        return str(WITHHELD_LABEL) if self.phone_withheld else self.phone

    @property
    def masked_name(self) -> str:
        """The name as lists show it (PRIVACY-3): ``王*`` / ``王*明``."""
        return mask_name(self.name)


def masked_phone(phone: str) -> str:
    """Return the phone with its middle digits hidden (138****1234), for logs and lists."""
    return mask_phone(phone)
