from django.urls import path

from district.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.index, name="index"),
    # the resident's side
    path("report/", views.report, name="report"),
    path("received/<str:number>/", views.received, name="received"),
    path("track/", views.track, name="track"),
    path("track/<str:number>/", views.track_case, name="track-case"),
    path("track/<str:number>/rate/", views.rate, name="rate"),
    path("mine/", views.mine, name="mine"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    # the staff console
    path("console/", views.console, name="console"),
    path("case/<str:number>/", views.case_detail, name="case"),
    path("case/<str:number>/<slug:action>/", views.act, name="act"),
    path("extension/<int:pk>/decide/", views.decide_extension, name="decide-extension"),
    path("board/", views.board, name="board"),
    # analytics
    path("kpis/", views.kpis, name="kpis"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/consult/", views.hotspot_consultation, name="hotspot-consultation"),
    path("initiatives/", views.initiatives, name="initiatives"),
    path("initiatives/<int:pk>/", views.initiative, name="initiative"),
    # catalogue, routing table, calendar
    path("catalogue/", views.catalogue, name="catalogue"),
    path("routing/", views.routing, name="routing"),
    path("calendar/", views.calendar, name="calendar"),
]
