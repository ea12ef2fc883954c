"""The citizen record (CRM, INTAKE-5): who calls, how to reach them, their history."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.masking import mask_name, mask_phone


class Citizen(models.Model):
    """A person who contacts the centre. Personal data: every staff read is audited (PRIVACY-3).

    The phone number identifies a caller; a citizen may also be anonymous (no name).
    """

    phone = models.CharField(_("phone"), max_length=32, db_index=True)
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
        return f"{self.name or '—'} {masked_phone(self.phone)}"

    @property
    def masked_phone(self) -> str:
        """The phone as lists show it (PRIVACY-3): ``139****0033``."""
        return mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        """The name as lists show it (PRIVACY-3): ``王*`` / ``王*明``."""
        return mask_name(self.name)


def masked_phone(phone: str) -> str:
    """Return the phone with its middle digits hidden (138****1234), for logs and lists."""
    return mask_phone(phone)
