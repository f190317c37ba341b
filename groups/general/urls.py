"""The general group's board, arrivals, check-in and release, and the room and person pages."""

from django.urls import path

from groups.general import requests, views

urlpatterns = [
    path("general/", views.general_board, name="general-board"),
    path("general/releases/", views.release_list, name="release-list"),
    path("people/new/", views.person_new, name="person-new"),
    path("people/new-family/", views.household_new, name="household-new"),
    path("people/<id:pk>/", views.person_detail, name="person-detail"),
    path("people/<id:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<id:pk>/check-in/", views.person_check_in, name="person-check-in"),
    path("people/<id:pk>/release/", views.person_release, name="person-release"),
    path("people/<id:pk>/no-show/", views.person_no_show, name="person-no-show"),
    path("people/<id:pk>/carer/", views.person_carer, name="person-carer"),
    path("people/<id:pk>/room-change/", views.person_room_change, name="person-room-change"),
    path("people/<id:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("requests/", requests.request_ledger, name="request-ledger"),
    path("requests/ledger.xlsx", requests.request_ledger_xlsx, name="request-ledger-xlsx"),
    path("requests/new/", requests.request_new, name="request-new"),
    path("requests/<id:pk>/take/", requests.request_take, name="request-take"),
    path("requests/<id:pk>/resolve/", requests.request_resolve, name="request-resolve"),
    path("requests/<id:pk>/decline/", requests.request_decline, name="request-decline"),
    path("rooms/<id:pk>/", views.room_detail, name="room-detail"),
    path("rooms/<id:pk>/move/", views.room_move, name="room-move"),
]
