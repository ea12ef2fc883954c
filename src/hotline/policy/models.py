"""Calendar data the centre maintains: day overrides and published year arrangements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One date declared a working day or a rest day; wins over the national package (SLA-1).

    Used for next year's State Council arrangement before the package knows it, and for local
    holidays or swapped days.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("working day") if self.is_working_day else _("rest day")
        return f"{self.date:%Y-%m-%d} {kind}"


class PublishedYear(models.Model):
    """A year whose complete arrangement has been entered as overrides (A28).

    Days of a published year that carry no override follow Monday–Friday and are no longer
    provisional.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("published year")
        verbose_name_plural = _("published years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
