from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    demo_loader = "hotline.accounts.demo.accounts_demo"
    demo_after = ("directory",)
    demo_notice = "hotline.accounts.demo.demo_logins_text"
