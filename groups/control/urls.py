"""The site head's control screen."""

from django.urls import path

from groups.control import views

urlpatterns = [
    path("control/", views.control_screen, name="control-screen"),
    path("control/report/", views.daily_report, name="daily-report"),
    path("control/report/export/", views.daily_report_xlsx, name="daily-report-xlsx"),
    path("control/report/submit/", views.daily_report_submit, name="daily-report-submit"),
    path("exports/", views.exports, name="exports"),
    path("exports/<slug:key>/", views.export_download, name="export-download"),
    path("control/upkeep/", views.upkeep, name="upkeep"),
    path("district/", views.district_overview, name="district-overview"),
    path("district/transfers/", views.district_transfers, name="district-transfers"),
    path("district/transfers/<id:pk>/confirm/", views.district_confirm, name="district-confirm"),
    path("district/beds/", views.district_beds, name="district-beds"),
    path("district/sites/<id:pk>/", views.district_site, name="district-site"),
    path("district/reports/", views.district_reports, name="district-reports"),
    path("district/sites/<id:pk>/report/", views.district_report, name="district-report"),
    path("district/sites/<id:pk>/report/export/", views.district_report_xlsx, name="district-report-xlsx"),
]
