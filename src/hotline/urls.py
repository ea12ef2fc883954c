from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.defaults import page_not_found

from hotline.api import api
from hotline.core import views as core_views
from hotline.core.edge import api_error, is_api

urlpatterns = [
    path("", include("hotline.accounts.urls")),
    path("", include("hotline.core.urls")),
    path("", include("hotline.policy.urls")),
    path("directory/", include("hotline.directory.urls")),
    path("citizens/", include("hotline.citizens.urls")),
    path("supervision/", include("hotline.supervision.urls")),
    path("inspections/", include("hotline.callbacks.urls")),
    path("quality/", include("hotline.quality.urls")),
    path("stats/", include("hotline.stats.urls")),
    path("evaluation/", include("hotline.evaluation.urls")),
    path("", include("hotline.channels.urls")),
    path("market/", include("hotline.franchise.urls")),
    path("", include("hotline.knowledge.urls")),
    path("", include("hotline.workbench.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page (issue 19: it was a 404).
    path("favicon.ico", core_views.favicon, name="favicon"),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """JSON for unknown API paths, the normal page elsewhere."""
    if is_api(request):
        return api_error(404)
    return page_not_found(request, exception)
