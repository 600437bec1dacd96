from django.urls import path

from district.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.index, name="index"),
]
