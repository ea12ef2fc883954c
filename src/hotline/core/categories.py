"""The ticket categories (INTAKE-6, readings S6), shared by the directory, policy and tickets."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    HELP = "help", _("Help request")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")
    CRITICISM = "criticism", _("Criticism")
    PRAISE = "praise", _("Praise")
