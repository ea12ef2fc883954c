"""The trained dispatch-suggestion model, stored in the database (DISPATCH-1).

A row holds the whole model (compressed pickle of ``learn.TextClassifier`` objects and the
category → unit table): every web process and worker reads the newest row, so a model trained
on one machine serves all of them. Only the last ``KEEP`` rows are kept.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEEP = 3


class LearnedModel(models.Model):
    created_at = models.DateTimeField(_("trained"), default=timezone.now)
    blob = models.BinaryField(_("model"))
    #: What it learned from: sizes, labels, the file's accuracy on its held-out part.
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("learned suggestion model")
        verbose_name_plural = _("learned suggestion models")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({len(self.blob or b'') // 1024} KB)"
