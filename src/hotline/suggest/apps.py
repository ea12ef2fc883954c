from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestConfig(AppConfig):
    name = "hotline.suggest"
    label = "suggest"
    verbose_name = _("Dispatch suggestion")
    demo_loader = "hotline.suggest.demo.suggest_demo"
    demo_after = ("tickets", "directory", "stats")

    def ready(self) -> None:
        from hotline.suggest import tasks  # noqa: F401  (the scheduled retraining, Huey)
