from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hotline.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models import Field

        from hotline.core import tasks  # noqa: F401  (registers the periodic tasks with Huey)
        from hotline.core.postgresql.lookups import In

        Field.register_lookup(In)  # replaces Django's ``in``: long lists as one array on PG
