from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "hotline.quality"
    label = "quality"
    verbose_name = _("Centre quality")
    demo_loader = "hotline.quality.demo.quality_demo"
    demo_after = ("tickets", "supervision")

    def ready(self) -> None:
        from hotline.quality import tasks  # noqa: F401  (the monthly sample with Huey)
