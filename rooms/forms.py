import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from site_ops.inputs import FIRST_DAY, LAST_DAY, MAX_ID


class DateInput(forms.DateInput):
    """A browser date picker. Its value is ISO (YYYY-MM-DD) in every language:
    a browser drops any other form (zh-Hans would render 2026/12/02), which
    leaves the field looking empty and the form unsendable."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DayField(forms.DateField):
    """A day in a browser date picker, between ``first`` and ``last`` (the
    days a site may name, site_ops.inputs): the picker offers only those,
    and the server refuses others with the reason rather than overflow."""

    def __init__(self, *, first=FIRST_DAY, last=LAST_DAY, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)
        self.validators += [MinValueValidator(first), MaxValueValidator(last)]
        if isinstance(self.widget, DateInput):
            self.widget.attrs.update(min=first.isoformat(), max=last.isoformat())


class DateTimeLocalInput(forms.DateTimeInput):
    """A browser date-and-time picker; its value is ISO (YYYY-MM-DDTHH:MM) in every language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TickBox(forms.CheckboxInput):
    """A checkbox ticked only by what a ticked box sends ("on"), or "1" or
    "true": Django's takes any other text, "0" and "no" among them, as a
    tick, so a hand-made request's "0" printed the full national IDs or
    confirmed a vehicle disinfected."""

    TICKED = frozenset({"on", "1", "true"})

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return isinstance(value, str) and value.strip().lower() in self.TICKED


class TickField(forms.BooleanField):
    """A yes-or-no box (``TickBox``)."""

    widget = TickBox


class VersionField(forms.IntegerField):
    """A record's version as the page saw it, sent back hidden (``services.check_version``)."""

    def __init__(self, *, min_value=1, **kwargs):
        super().__init__(widget=forms.HiddenInput, min_value=min_value, max_value=MAX_ID, **kwargs)


class MomentField(forms.DateTimeField):
    """A date and time in a browser picker, on a day a site may name (as ``DayField``)."""

    widget = DateTimeLocalInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update(min=f"{FIRST_DAY.isoformat()}T00:00", max=f"{LAST_DAY.isoformat()}T23:59")

    def validate(self, value):
        super().validate(value)
        if value is not None and not FIRST_DAY <= value.date() <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a time between %(first)s and %(last)s.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
                code="out_of_range",
            )


class OnceForm(forms.Form):
    """A form that carries a one-time token, so a double submit counts once."""

    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class VersionedForm(OnceForm):
    version = VersionField()


class SiteForm(OnceForm):
    """A form whose record choices come from one site."""

    site_querysets = {}

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        for name, model in self.site_querysets.items():
            self.fields[name].queryset = model.objects.filter(site=site)


class FloorChoiceMixin:
    """A floor field offering the site's floors."""

    def set_floor_choices(self, floors: list[int]) -> None:
        self.fields["floor"].choices = [(floor, _("floor %(floor)s") % {"floor": floor}) for floor in floors]


class HandoverForm(OnceForm):
    """The outgoing member's notes, and the shift change the form was opened for (Unix seconds)."""

    notes = forms.CharField(
        label=_("Notes for the next shift"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the next shift must know that the list does not say."),
    )
    change = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**32)


class LoginForm(AuthenticationForm):
    """Django's login form; a stopped account that gives its own password is told so, not "wrong password"."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": _("This account has been stopped. Ask the site head."),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            user = get_user_model()._default_manager.filter(username=username, is_active=False).first()
            if user is not None and password and user.check_password(password):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise


# What an empty select says: Django's is a row of dashes.
DASHES = "---------"
CHOOSE = pgettext_lazy("select", "Choose…")
NOBODY_IN_PARTICULAR = pgettext_lazy("select", "nobody in particular")


def words_for_empty_choices(form) -> None:
    """Every select of ``form`` whose empty choice is Django's dashes reads "choose…" (or, where a
    choice may stay empty, "nobody in particular")."""
    for field in form.fields.values():
        label = CHOOSE if field.required else NOBODY_IN_PARTICULAR
        if getattr(field, "empty_label", None) == DASHES:
            field.empty_label = label
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = list(field.choices)
            if choices and choices[0] == ("", DASHES):
                field.choices = [("", label), *choices[1:]]
