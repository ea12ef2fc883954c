from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "hotline.directory"
    label = "directory"
    verbose_name = _("Unit directory")
    demo_loader = "hotline.directory.demo.directory_demo"
