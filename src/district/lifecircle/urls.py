from django.urls import path

from district.lifecircle import views

app_name = "lifecircle"
urlpatterns = [
    path("", views.index, name="index"),
]
