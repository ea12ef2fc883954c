from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "hotline.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    demo_loader = "hotline.knowledge.demo.knowledge_demo"
    demo_after = ("accounts", "directory")
    #: ``hotline serve`` calls it before forking its web workers.
    serve_startup = "hotline.knowledge.follow.serve_startup"

    def ready(self) -> None:
        # Registers the index and expiry tasks with the worker.
        from hotline.knowledge import tasks  # noqa: F401
