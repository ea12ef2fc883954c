from django.urls import path

from hotline.workbench import views

app_name = "workbench"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/caller/", views.desk_caller, name="desk_caller"),
    path("desk/assist/", views.desk_assist, name="desk_assist"),
    path("queue/dispatch/", views.dispatch_queue, name="dispatch_queue"),
    path("unit/", views.unit_inbox, name="unit_inbox"),
    path("board/", views.board, name="board"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/filters/", views.ticket_filter_save, name="ticket_filter_save"),
    path(
        "tickets/filters/<int:filter_id>/delete/",
        views.ticket_filter_delete,
        name="ticket_filter_delete",
    ),
    path("tickets/<str:number>/", views.ticket, name="ticket"),
    path("tickets/<str:number>/do/<str:action>/", views.ticket_act, name="ticket_act"),
    path("tickets/<str:number>/attach/", views.ticket_attach, name="ticket_attach"),
    path("tickets/<str:number>/files/<int:attachment_id>/", views.ticket_file, name="ticket_file"),
    path("inbox/", views.inbox, name="inbox"),
    path("manage/", views.manage, name="manage"),
]
