"""The medical group's screens and actions, and the release certificate."""

from django.urls import path

from groups.medical import care_views, views

urlpatterns = [
    path("medical/", views.medical_board, name="medical-board"),
    path("medical/health-round/", views.health_round, name="health-round"),
    path("medical/floors/<id:floor>/collected/", views.floor_collected, name="floor-collected"),
    path("medical/samples/<id:pk>/collect/", views.sample_collect, name="sample-collect"),
    path("medical/samples/<id:pk>/result/", views.sample_result, name="sample-result"),
    path("medical/samples/<id:pk>/correct/", views.sample_correct, name="sample-correct"),
    path("medical/samples/<id:pk>/cancel/", views.sample_cancel, name="sample-cancel"),
    path("medical/samples/<id:pk>/uncollect/", views.sample_uncollect, name="sample-uncollect"),
    path("medical/alerts/<id:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("medical/people/<id:pk>/", views.person_medical, name="person-medical"),
    path("medical/people/<id:pk>/extend/", views.stay_extend, name="stay-extend"),
    path("medical/people/<id:pk>/replan/", views.stay_replan, name="stay-replan"),
    path("medical/people/<id:pk>/medicines/", views.medicine_need_add, name="medicine-need-add"),
    path("medical/lab-results/", views.lab_import, name="lab-import"),
    path("medical/lab-results/<id:pk>/", views.lab_import_preview, name="lab-import-preview"),
    path("medical/lab-results/<id:pk>/apply/", views.lab_import_apply, name="lab-import-apply"),
    path("medical/care/", care_views.ledger, name="care-ledger"),
    path("medical/care/people/<id:pk>/plan/", care_views.plan_edit, name="care-plan"),
    path("medical/care/people/<id:pk>/follow-up/", care_views.follow_up, name="care-follow-up"),
    path("medical/care/people/<id:pk>/visits/", care_views.visit_plan_add, name="care-visits"),
    path("medical/care/visits/<id:pk>/stop/", care_views.visit_plan_stop, name="care-visit-stop"),
    path("people/<id:pk>/certificate/", views.release_certificate, name="release-certificate"),
]
