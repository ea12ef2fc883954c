from django.urls import path

from hotline.citizens import views

app_name = "citizens"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<int:citizen_id>/", views.detail, name="detail"),
]
