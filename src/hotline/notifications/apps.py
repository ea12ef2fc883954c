from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "hotline.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    # Delivers what the other demo loaders notified, at the demo's clock.
    demo_loader = "hotline.notifications.demo.notifications_demo"
    demo_after = ("tickets", "knowledge", "supervision")

    def ready(self) -> None:
        from hotline.core.events import outbox_backend_set
        from hotline.notifications import tasks  # noqa: F401  (registers delivery with Huey)
        from hotline.notifications.services import events_enqueue
        from hotline.notifications.subscribers import subscribers_register

        outbox_backend_set(events_enqueue)  # the outbox of the event subscribers
        subscribers_register()
