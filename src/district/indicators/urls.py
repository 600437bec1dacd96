from django.urls import path

from district.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("values/record/", views.record_value, name="record_value"),
    path("projects/", views.projects, name="projects"),
    path("projects/<slug:code>/", views.project, name="project"),
    path("projects/<slug:code>/status/", views.project_status, name="project_status"),
    path("projects/<slug:code>/milestones/<int:position>/", views.milestone, name="milestone"),
    path("sources/<slug:code>/", views.source, name="source"),
    path("<slug:code>/", views.indicator, name="indicator"),
]
