from django.contrib.auth import views as auth_views
from django.urls import path

from hotline.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("home/<str:role>/", views.role_home, name="role_home"),
]
