from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from groups import views as group_views
from rooms import views as room_views

handler403 = "groups.views.not_allowed"

urlpatterns = [
    path("", group_views.home, name="home"),
    path("control/", group_views.control_screen, name="control-screen"),
    path("general/", group_views.general_board, name="general-board"),
    path("people/new/", room_views.person_new, name="person-new"),
    path("people/new-family/", room_views.household_new, name="household-new"),
    path("people/<int:pk>/", room_views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", room_views.person_edit, name="person-edit"),
    path("people/<int:pk>/check-in/", room_views.person_check_in, name="person-check-in"),
    path("people/<int:pk>/release/", room_views.person_release, name="person-release"),
    path("people/<int:pk>/reveal/", room_views.person_reveal, name="person-reveal"),
    path("rooms/<int:pk>/", room_views.room_detail, name="room-detail"),
    path("rooms/<int:pk>/move/", room_views.room_move, name="room-move"),
    path("", include("rooms.medical_urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", group_views.logout_view, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
