"""factory_boy factories with safe defaults and unique keys."""

from __future__ import annotations

import factory

from hotline.accounts.models import User, UserRole
from hotline.citizens.models import Citizen
from hotline.directory.models import Area, Liaison, ResponsibilityItem, Unit

TEST_PASSWORD = "correct-horse-battery"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"A{n:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    kind = Area.Kind.COMMUNITY


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    kind = Unit.Kind.DEPARTMENT


class LiaisonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Liaison

    unit = factory.SubFactory(UnitFactory)
    name = "联络员"
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")


class ResponsibilityItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsibilityItem

    unit = factory.SubFactory(UnitFactory)
    matter = "物业服务纠纷调处"
    keywords = factory.LazyFunction(lambda: ["物业费", "电梯"])
    ticket_types = factory.LazyFunction(lambda: ["complaint"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"员工{n}")
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or []:
            UserRole.objects.create(user=self, role=role)


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    phone = factory.Sequence(lambda n: f"1390000{n:04d}")
    name = "王女士"
    address = "新桥社区3幢"
