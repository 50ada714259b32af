"""Developer and demo settings: the embedded defaults, a fixed insecure key, DEBUG off unless asked for.

The demo runs with DEBUG off so a wrong URL shows the portal's own 404 page, not Django's debug page that
lists every URL pattern; `DEBUG=1 make run` turns the debug pages on while developing.
"""

import os

from .base import *  # noqa: F403
from .base import SECRET_KEY as _ENV_SECRET_KEY
from .base import env_bool, env_int

DEBUG = env_bool("DEBUG", False)
# Only for the local demo: production refuses to start without SECRET_KEY in the environment.
SECRET_KEY = _ENV_SECRET_KEY or "local-demo-insecure-key-never-use-in-production-3f9c2a"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# `HUSKY_PORT=8080 make run` serves there (Procfile.dev); the demo logins and email links follow it.
HUSKY_PORT = env_int("HUSKY_PORT", 8000)
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{HUSKY_PORT}").rstrip("/")
# A newcomer can point a webhook at a receiver on their own machine (README "Webhooks").
WEBHOOKS_ALLOW_HTTP = True
WEBHOOKS_ALLOW_LOOPBACK = True
# runserver serves static files only with DEBUG on; WhiteNoise serves them from the source folders instead.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
