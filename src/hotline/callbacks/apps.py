from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "hotline.callbacks"
    label = "callbacks"
    verbose_name = _("Callbacks and quality inspection")
    demo_loader = "hotline.callbacks.demo.callbacks_demo"
    demo_after = ("tickets",)

    def ready(self) -> None:
        from hotline.callbacks import tasks  # noqa: F401  (the schedule with Huey)
        from hotline.callbacks.receivers import subscribers_register

        subscribers_register()
