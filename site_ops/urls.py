from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from groups import board_views
from groups import views as group_views
from rooms import disinfection_views, meal_views, security_views, transfer_views
from rooms import views as room_views

handler403 = "groups.views.not_allowed"

urlpatterns = [
    path("", group_views.home, name="home"),
    path("control/", group_views.control_screen, name="control-screen"),
    path("general/", group_views.general_board, name="general-board"),
    path("transfers/", group_views.transfer_board, name="transfer-board"),
    path("transfers/escorts/", group_views.escort_board, name="escort-board"),
    path("transfers/new/", transfer_views.transfer_new, name="transfer-new"),
    path("transfers/<int:pk>/", transfer_views.transfer_detail, name="transfer-detail"),
    path("transfers/<int:pk>/<slug:to>/", transfer_views.transfer_move, name="transfer-move"),
    path("people/new/", room_views.person_new, name="person-new"),
    path("people/new-family/", room_views.household_new, name="household-new"),
    path("people/<int:pk>/", room_views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", room_views.person_edit, name="person-edit"),
    path("people/<int:pk>/check-in/", room_views.person_check_in, name="person-check-in"),
    path("people/<int:pk>/release/", room_views.person_release, name="person-release"),
    path("people/<int:pk>/reveal/", room_views.person_reveal, name="person-reveal"),
    path("rooms/<int:pk>/", room_views.room_detail, name="room-detail"),
    path("rooms/<int:pk>/move/", room_views.room_move, name="room-move"),
    # Catering, disinfection and security boards and their actions.
    path("catering/", board_views.catering_board, name="catering-board"),
    path("catering/record/", meal_views.meal_record, name="meal-record"),
    path("catering/floor/", meal_views.meal_floor_deliver, name="meal-floor-deliver"),
    path("catering/late/", meal_views.meal_late_deliver, name="meal-late-deliver"),
    path("catering/feedback/<int:pk>/", meal_views.meal_feedback, name="meal-feedback"),
    path("disinfection/", board_views.disinfection_board, name="disinfection-board"),
    path("disinfection/tasks/<int:pk>/done/", disinfection_views.task_complete, name="disinfection-task-complete"),
    path("disinfection/routine/<int:pk>/done/", disinfection_views.routine_complete, name="routine-complete"),
    path("disinfection/spot/", disinfection_views.spot_new, name="disinfection-spot-new"),
    path("disinfection/waste/", disinfection_views.waste_collect, name="waste-collect"),
    path("disinfection/waste/hand-over/", disinfection_views.waste_hand_over, name="waste-hand-over"),
    path("security/", board_views.security_board, name="security-board"),
    path("security/checkpoint/", security_views.checkpoint_in, name="checkpoint-in"),
    path("security/checkpoint/<int:pk>/out/", security_views.checkpoint_out, name="checkpoint-out"),
    path("security/patrols/", security_views.patrol_new, name="patrol-new"),
    path("security/incidents/new/", security_views.incident_new, name="incident-new"),
    path("security/incidents/<int:pk>/resolve/", security_views.incident_resolve, name="incident-resolve"),
    path("", include("rooms.medical_urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", group_views.logout_view, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
