"""The test protocol in the admin: data the site head edits, audited like any set-up."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.medical.models import ProtocolDay, Sample, TestProtocol, validate_protocol
from rooms.admin import AuditedAdmin
from rooms.services import audit
from site_ops import live


class ProtocolDayFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        days = [
            form.cleaned_data["day"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("day")
        ]
        protocol = self.instance
        try:
            validate_protocol(protocol.length_days, protocol.required_negatives, days)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def save(self, commit=True):
        """The protocol's days saved as a whole, not row by row.

        They are a set with one row a day: two days exchanged (2 and 3) or
        all moved on (2, 3, 5 -> 3, 5, 7), saved row by row, write a day a
        row not yet saved still holds, which the database refuses. So the
        rows go and the days kept are written anew (in the admin's
        transaction); what the admin's history says is worked out by day.
        """
        kept = {
            form.cleaned_data["day"]: form.cleaned_data["kind"]
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form) and form.cleaned_data.get("day")
        }
        before = {row.day: row for row in ProtocolDay.objects.filter(protocol=self.instance)}
        rows = [ProtocolDay(protocol=self.instance, day=day, kind=kind) for day, kind in sorted(kept.items())]
        self.deleted_objects = [row for day, row in before.items() if day not in kept]
        self.new_objects = [row for row in rows if row.day not in before]
        self.changed_objects = [
            (row, ["kind"]) for row in rows if row.day in before and before[row.day].kind != row.kind
        ]
        if commit:
            ProtocolDay.objects.filter(protocol=self.instance).delete()
            ProtocolDay.objects.bulk_create(rows)
        return rows


class ProtocolDayInline(admin.TabularInline):
    model = ProtocolDay
    formset = ProtocolDayFormSet
    extra = 1


@admin.register(TestProtocol)
class TestProtocolAdmin(AuditedAdmin):
    list_display = [
        "site",
        "length_days",
        "required_negatives",
        "sampling_days",
        "fever_from",
        "no_fever_hours",
        "ct_negative_from",
        "welfare_after_missed",
        "home_monitoring_days",
    ]
    inlines = [ProtocolDayInline]
    readonly_fields = ["updated_at"]

    @admin.display(description=_("sampling days"))
    def sampling_days(self, protocol):
        return ", ".join(f"{day} {Sample.Kind(kind).label}" for day, kind in protocol.schedule())

    def save_model(self, request, obj, form, change):
        # Audited in save_related, once the sampling days are saved too.
        obj.updated_at = timezone.now()
        obj.save()

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            protocol = form.instance
            audit(
                site=protocol.site,
                by=request.user,
                action=f"test_protocol.{'admin_change' if change else 'set_up'}",
                obj=protocol,
                after={
                    "length_days": protocol.length_days,
                    "required_negatives": protocol.required_negatives,
                    "days": self.sampling_days(protocol),
                    "fever_from": str(protocol.fever_from),
                    "no_fever_hours": protocol.no_fever_hours,
                    "ct_negative_from": str(protocol.ct_negative_from),
                    "welfare_after_missed": protocol.welfare_after_missed,
                    "home_monitoring_days": protocol.home_monitoring_days,
                },
                note="applies to people who check in from now on",
            )
            live.publish(site=protocol.site, topics=["medical"])
