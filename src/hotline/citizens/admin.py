from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from hotline.citizens.models import Citizen
from hotline.core.admin_mixins import RolePermissionAdmin
from hotline.core.audit import audit_record
from hotline.core.masking import mask_name, mask_phone


@admin.register(Citizen)
class CitizenAdmin(RolePermissionAdmin, admin.ModelAdmin[Citizen]):
    manage_permission = "accounts.manage"
    # PRIVACY-3: the list shows the masked name; the full record is one audited click away.
    list_display = ["id", "masked_name", "masked_phone", "created_at"]
    search_fields = ["=phone", "name"]

    @admin.display(description=_("Name"))
    def masked_name(self, obj: Citizen) -> str:
        return mask_name(obj.name) or "—"

    @admin.display(description=_("Phone"))
    def masked_phone(self, obj: Citizen) -> str:
        return mask_phone(obj.phone)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Open a citizen record, writing the read to the audit log (PRIVACY-3)."""
        citizen = self.get_object(request, object_id)
        if citizen is not None and request.method == "GET":
            audit_record(actor=request.user, action="citizen.view", obj=citizen, request=request)
        return super().change_view(request, object_id, form_url, extra_context)
