from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FranchiseConfig(AppConfig):
    name = "hotline.franchise"
    label = "franchise"
    verbose_name = _("Market services")
    demo_loader = "hotline.franchise.demo.franchise_demo"
    demo_after = ("accounts", "directory", "tickets")

    def ready(self) -> None:
        from hotline.franchise import tasks  # noqa: F401  (the sweeps with Huey)
        from hotline.franchise.receivers import subscribers_register

        subscribers_register()
