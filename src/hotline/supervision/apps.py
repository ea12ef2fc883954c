from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "hotline.supervision"
    label = "supervision"
    verbose_name = _("Supervision")
    demo_loader = "hotline.supervision.demo.supervision_demo"
    demo_after = ("tickets",)

    def ready(self) -> None:
        from hotline.supervision import tasks  # noqa: F401  (the sweep with Huey)
        from hotline.supervision.receivers import subscribers_register

        subscribers_register()
