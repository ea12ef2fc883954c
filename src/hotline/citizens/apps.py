from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "hotline.citizens"
    label = "citizens"
    verbose_name = _("Citizens")
    demo_loader = "hotline.citizens.demo.citizens_demo"
    demo_after = ("directory",)
