"""Handling units (a tree), their liaisons, the gazetteer and the responsibility lists."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from hotline.core.categories import Category

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, '-', '_' or '.' only."),
)


def _search_text(name: str, aliases: list[str], *extra: str) -> str:
    return " ".join([name, *aliases, *extra]).lower()


class TreeNode(models.Model):
    """A node of a tree kept as a materialised path of codes: ``/YX/YX01/YX01-03/``.

    The path makes "this node and everything below it" one indexed ``startswith`` query;
    moving a node rewrites the paths below it in the same transaction.
    """

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        new_path = self._compute_path()
        old_path = self.path
        with transaction.atomic():
            self.path = new_path
            super().save(*args, **kwargs)
            if old_path and old_path != new_path:
                manager = type(self)._default_manager
                for node in manager.filter(path__startswith=old_path).exclude(pk=self.pk):
                    node.path = new_path + node.path[len(old_path) :]
                    manager.filter(pk=node.pk).update(path=node.path)

    def clean(self) -> None:
        parent: Any = getattr(self, "parent", None)
        if parent is not None and self.pk is not None and parent.path.startswith(self.path or "~"):
            raise ValidationError({"parent": _("A node cannot be placed under itself.")})

    def _compute_path(self) -> str:
        parent: Any = getattr(self, "parent", None)
        prefix = parent.path if parent is not None else "/"
        return f"{prefix}{self.code}/"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Area(TreeNode):
    """A place in the gazetteer: district → sub-district or town → community or village."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Sub-district")
        TOWN = "town", _("Town")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    search_text = models.CharField(max_length=500, editable=False, db_index=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("gazetteer")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = _search_text(self.name, list(self.aliases or []), self.code)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        """Return the name with its ancestors below the top, e.g. "东门街道 新桥社区"."""
        names = [self.name]
        node = self.parent
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return " ".join(reversed(names))


class Unit(TreeNode):
    """A handling unit: the centre itself, a department, an office, a company (SCOPE-2).

    ``joined`` says whether the unit has joined the system: requests for a unit that has not
    joined are not accepted (SCOPE-2) and it cannot receive tickets.
    """

    class Kind(models.TextChoices):
        CENTRE = "centre", _("Hotline centre")
        DEPARTMENT = "department", _("Government department")
        SUBDISTRICT_OFFICE = "subdistrict_office", _("Sub-district office / town government")
        COMMUNITY_COMMITTEE = "community_committee", _("Community / village committee")
        PUBLIC_SERVICE = "public_service", _("Public-service company")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("The area this unit governs (sub-district offices and committees)."),
    )
    active = models.BooleanField(_("active"), default=True)
    joined = models.BooleanField(
        _("joined the system"),
        default=True,
        help_text=_("Requests for a unit that has not joined are not accepted (SCOPE-2)."),
    )
    phone = models.CharField(_("duty phone"), max_length=32, blank=True)
    search_text = models.CharField(max_length=500, editable=False, db_index=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="centre"),
                name="only_one_centre",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = _search_text(self.name, [self.short_name], self.code)
        super().save(*args, **kwargs)

    @property
    def is_centre(self) -> bool:
        return self.kind == self.Kind.CENTRE

    @property
    def can_receive_tickets(self) -> bool:
        return self.active and self.joined and not self.is_centre


class Liaison(models.Model):
    """A unit's contact person for the centre (several per unit; phoned for emergencies)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="liaisons")
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32)
    position = models.CharField(_("position"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("liaison")
        verbose_name_plural = _("liaisons")
        ordering = ["unit", "-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"


class ResponsibilityItem(models.Model):
    """One line of a unit's responsibility list (权责清单): a matter it is in charge of.

    Used to suggest the unit when dispatching (DISPATCH-1): keywords are matched against the
    request, ticket types and areas narrow the match. No areas means the whole jurisdiction.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="responsibilities")
    matter = models.CharField(_("matter"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    ticket_types = models.JSONField(_("ticket types"), default=list, blank=True)
    areas = models.ManyToManyField(Area, verbose_name=_("areas covered"), blank=True)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("responsibility item")
        verbose_name_plural = _("responsibility list")
        ordering = ["unit", "id"]

    def __str__(self) -> str:
        return f"{self.unit.short_name or self.unit.name}: {self.matter}"

    def clean(self) -> None:
        unknown = set(self.ticket_types or []) - set(Category.values)
        if unknown:
            raise ValidationError(
                {"ticket_types": _("Unknown ticket types: %s") % ", ".join(sorted(unknown))}
            )
