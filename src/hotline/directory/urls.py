from django.urls import path

from hotline.directory import views

app_name = "directory"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("areas/", views.area_list, name="area_list"),
]
