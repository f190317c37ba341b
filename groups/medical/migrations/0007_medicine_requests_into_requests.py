"""Medicine requests become residents' requests of kind medicine (one model, data kept).

An open medicine request stays open for the medical group; a delivered one is
resolved, delivered by whom and when. The due time follows its urgency, as for
a request logged today.
"""

from datetime import timedelta

from django.db import migrations

ALLOWED = {"urgent": timedelta(hours=1), "today": timedelta(hours=8), "when_possible": timedelta(hours=48)}


def forwards(apps, schema_editor):
    MedicineRequest = apps.get_model("medical", "MedicineRequest")
    Request = apps.get_model("rooms", "Request")
    moved = []
    for old in MedicineRequest.objects.select_related("stay").order_by("pk").iterator():
        delivered = old.status == "delivered"
        what = old.item if not old.note else f"{old.item} ({old.note})"
        moved.append(
            Request(
                site_id=old.site_id,
                room_id=old.stay.room_id,
                person_id=old.person_id,
                kind="medicine",
                urgency=old.urgency,
                what=what[:200],
                via="phone",
                group="medical",
                status="resolved" if delivered else "open",
                requested_at=old.requested_at,
                requested_by_id=old.requested_by_id,
                due_at=old.requested_at + ALLOWED.get(old.urgency, ALLOWED["today"]),
                taken_at=old.delivered_at,
                taken_by_id=old.delivered_by_id,
                closed_at=old.delivered_at,
                closed_by_id=old.delivered_by_id,
                resolution="",
                updated_at=old.delivered_at or old.requested_at,
                updated_by_id=old.delivered_by_id or old.requested_by_id,
            )
        )
        if len(moved) >= 500:
            Request.objects.bulk_create(moved)
            moved = []
    Request.objects.bulk_create(moved)


def backwards(apps, schema_editor):
    MedicineRequest = apps.get_model("medical", "MedicineRequest")
    Request = apps.get_model("rooms", "Request")
    Stay = apps.get_model("rooms", "Stay")
    for request in Request.objects.filter(kind="medicine", person__isnull=False).order_by("pk"):
        stay = Stay.objects.filter(person_id=request.person_id, room_id=request.room_id).order_by("-started_at").first()
        if stay is None:
            continue
        MedicineRequest.objects.create(
            site_id=request.site_id,
            person_id=request.person_id,
            stay=stay,
            item=request.what[:100],
            status="delivered" if request.status == "resolved" else "open",
            urgency=request.urgency,
            requested_at=request.requested_at,
            requested_by_id=request.requested_by_id,
            delivered_at=request.closed_at if request.status == "resolved" else None,
            delivered_by_id=request.closed_by_id if request.status == "resolved" else None,
        )
    Request.objects.filter(kind="medicine").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("medical", "0006_protocol_home_monitoring"),
        ("rooms", "0013_requests"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
