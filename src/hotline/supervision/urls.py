from django.urls import path

from hotline.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.page, name="page"),
    path("orders/open/", views.order_open, name="order_open"),
    path("orders/<int:order_id>/explain/", views.order_explain, name="order_explain"),
    path("orders/<int:order_id>/close/", views.order_close, name="order_close"),
    path(
        "reminders/<int:reminder_id>/acknowledge/",
        views.reminder_acknowledge,
        name="reminder_acknowledge",
    ),
    path("reminders/<int:reminder_id>/reason/", views.reminder_reason, name="reminder_reason"),
    path("reminders/<int:reminder_id>.pdf", views.reminder_file, name="reminder_pdf"),
    path("notices/issue/", views.notice_issue, name="notice_issue"),
]
