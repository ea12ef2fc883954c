from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "hotline.tickets"
    label = "tickets"
    verbose_name = _("Work orders")
    demo_loader = "hotline.tickets.demo.tickets_demo"
    demo_after = ("accounts", "citizens", "directory")

    def ready(self) -> None:
        from hotline.tickets import tasks  # noqa: F401  (registers the sweep with Huey)
        from hotline.tickets.receivers import receivers_connect

        receivers_connect()
