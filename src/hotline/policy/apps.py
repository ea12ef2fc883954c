from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "hotline.policy"
    label = "policy"
    verbose_name = _("Policy and calendar")

    def ready(self) -> None:
        from hotline.policy import checks  # noqa: F401  (registers the profile check)
