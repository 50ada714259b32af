from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from partners.kinds import Role
from partners.models import User


class LoginForm(AuthenticationForm):
    username = forms.CharField(widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))


class MemberCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="We email a link to choose a password.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add member"))

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.", code="username_taken")
        return username


class TokenCreateForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), help_text="Whose permissions the token carries.")
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. 'ERP integration'.")
    expires_in_days = forms.IntegerField(min_value=1, max_value=730, initial=365)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users if users is not None else User.objects.none()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Create token"))


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="The 6-digit code of your authenticator app, or one of your recovery codes.",
    )
