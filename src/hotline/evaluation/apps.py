from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "hotline.evaluation"
    label = "evaluation"
    verbose_name = _("Centre evaluation")
    demo_loader = "hotline.evaluation.demo.evaluation_demo"
    demo_after = ("accounts", "tickets")

    def ready(self) -> None:
        from hotline.evaluation import tasks  # noqa: F401  (the daily rectification reminders)
