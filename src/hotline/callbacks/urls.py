from django.urls import path

from hotline.callbacks import views

app_name = "callbacks"

urlpatterns = [
    path("", views.inspections, name="inspections"),
    path("<int:inspection_id>/decide/", views.inspection_decide, name="decide"),
]
