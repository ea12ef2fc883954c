from django.urls import path, re_path

from hotline.channels import open311, views

app_name = "channels"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("portal/", views.portal_home, name="portal"),
    path("portal/submit/", views.portal_submit_view, name="portal_submit"),
    path("portal/market/", views.portal_market, name="portal_market"),
    path("portal/kb/", views.portal_kb, name="portal_kb"),
    path("portal/follow/", views.portal_follow, name="portal_follow"),
    path("desk/ringing/", views.desk_ringing, name="desk_ringing"),
    path("desk/bulletins/", views.desk_bulletins, name="desk_bulletins"),
    path("bulletins/", views.bulletins_page, name="bulletins"),
    re_path(r"^open311/v2/discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + FMT, open311.services, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[\w.-]{1,64})" + FMT,
        open311.service_definition,
        name="open311_service",
    ),
    re_path(r"^open311/v2/requests" + FMT, open311.requests, name="open311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[\w-]{1,40})" + FMT,
        open311.request_detail,
        name="open311_request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token>[\w-]{1,64})" + FMT, open311.token, name="open311_token"
    ),
]
