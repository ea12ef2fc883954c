from django.urls import path

from hotline.franchise import views

app_name = "franchise"

urlpatterns = [
    path("", views.page, name="page"),
    path("orders/", views.orders_page, name="orders"),
    path("orders/<str:number>/accept/", views.accept, name="accept"),
    path("orders/<str:number>/report/", views.report, name="report"),
    path("dispatch/<str:number>/", views.dispatch, name="dispatch"),
    path("franchisees/<str:code>/", views.franchisee_detail, name="franchisee"),
    path("franchisees/<str:code>/agreement/", views.agreement_sign, name="agreement_sign"),
    path("franchisees/<str:code>/decision/", views.sanction, name="sanction"),
    path("applications/<int:application_id>/check/", views.application_check, name="check"),
    path("applications/<int:application_id>/decide/", views.application_decide, name="decide"),
    path("assess/", views.assess, name="assess"),
    path("complaints/", views.complaint_file, name="complaint_file"),
    path("complaints/<int:complaint_id>/verify/", views.complaint_verify, name="verify"),
    path("complaints/<int:complaint_id>/refer/", views.complaint_refer, name="refer"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/<int:volunteer_id>/assign/", views.volunteer_assign, name="volunteer_assign"),
    path(
        "volunteers/services/<int:service_id>/hours/", views.volunteer_hours, name="volunteer_hours"
    ),
    # Public: no login (FRANCHISE-1, PUBLISH-2, CALLBACK-4).
    path("join/", views.apply, name="apply"),
    path("ratings/", views.ratings, name="ratings"),
    path("feedback/<str:token>/", views.feedback, name="feedback"),
]
