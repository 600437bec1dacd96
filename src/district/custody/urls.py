from django.urls import path

from district.custody import views

app_name = "custody"
urlpatterns = [
    path("", views.index, name="index"),
]
