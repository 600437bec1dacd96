from django.urls import path

from district.lifecircle import views

app_name = "lifecircle"
urlpatterns = [
    path("", views.index, name="index"),
    path("planning/", views.coverage, name="coverage"),
    path("planning/gaps/", views.gaps, name="gaps"),
    path("planning/standards/", views.standards, name="standards"),
    path("planning/siting/", views.siting, name="siting"),
    path("planning/siting/<int:pk>/", views.siting_study, name="siting-study"),
]
