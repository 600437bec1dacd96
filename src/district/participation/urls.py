from django.urls import path

from district.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    # suggestions
    path("suggest/", views.suggest, name="suggest"),
    path("track/", views.track, name="track"),
    path("s/<str:number>/", views.suggestion, name="suggestion"),
    path("mine/", views.mine, name="mine"),
    path("staff/", views.staff_queue, name="staff_queue"),
    path("staff/s/<str:number>/", views.staff_suggestion, name="staff_suggestion"),
    # channels and accountability
    path("channels/", views.channels, name="channels"),
    path("channels/<slug:code>/", views.channel, name="channel"),
    path("accountability/", views.accountability, name="accountability"),
    # consultations
    path("c/", views.consultations, name="consultations"),
    path("c/new/", views.consultation_new, name="consultation_new"),
    path("c/<int:pk>/", views.consultation, name="consultation"),
    path("c/<int:pk>/vote/", views.vote, name="vote"),
    path("c/<int:pk>/statement/", views.write_statement, name="write_statement"),
    path("c/<int:pk>/map/", views.opinion_map, name="opinion_map"),
    path("c/<int:pk>/manage/", views.consultation_manage, name="consultation_manage"),
    path("c/<int:pk>/polis.zip", views.polis_export, name="polis_export"),
    # draft laws
    path("laws/", views.drafts, name="drafts"),
    path("laws/new/", views.draft_new, name="draft_new"),
    path("laws/<int:pk>/", views.draft, name="draft"),
    path("laws/<int:pk>/comment/", views.draft_comment, name="draft_comment"),
    path("laws/<int:pk>/manage/", views.draft_manage, name="draft_manage"),
    path("laws/<int:pk>/submission.html", views.submission_html, name="submission_html"),
    path("laws/<int:pk>/submission.pdf", views.submission_pdf, name="submission_pdf"),
]
