"""Teaches drf-spectacular how our token authentication looks in the OpenAPI document."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partners.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; obtain a key at POST /api/v1/auth/token/ or on the API tokens page.",
        }


class SessionAuthenticationScheme(SessionScheme):
    """The portal's session (DRF's scheme, `cookieAuth`); ours only words its CSRF refusal differently."""

    target_class = "partners.auth.SessionAuthentication"
