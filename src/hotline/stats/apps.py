from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "hotline.stats"
    label = "stats"
    verbose_name = _("Statistics")
    demo_loader = "hotline.stats.demo.stats_demo"
    demo_after = ("tickets", "notifications", "supervision", "callbacks", "quality")

    def ready(self) -> None:
        from hotline.stats import tasks  # noqa: F401  (rollup catch-up with Huey)
        from hotline.stats.rollup import subscribers_register

        subscribers_register()
