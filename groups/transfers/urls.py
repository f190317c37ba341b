"""Closed-loop transfers: the board, the escorts' board, the request, each move and the transfer's page."""

from django.urls import path

from groups.transfers import views

urlpatterns = [
    path("transfers/", views.transfer_board, name="transfer-board"),
    path("transfers/escorts/", views.escort_board, name="escort-board"),
    path("transfers/new/", views.transfer_new, name="transfer-new"),
    path("transfers/<id:pk>/", views.transfer_detail, name="transfer-detail"),
    path("transfers/<id:pk>/print/", views.transfer_print, name="transfer-print"),
    path("transfers/<id:pk>/<slug:to>/", views.transfer_move, name="transfer-move"),
]
