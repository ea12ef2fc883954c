from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "hotline.channels"
    label = "channels"
    verbose_name = _("Channels")
    demo_loader = "hotline.channels.demo.channels_demo"
    demo_after = ("tickets", "directory")

    def ready(self) -> None:
        from hotline.channels.receivers import receivers_register

        receivers_register()
