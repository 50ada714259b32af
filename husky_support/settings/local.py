"""Developer and demo settings: the embedded defaults, DEBUG on, a fixed insecure key."""

from .base import *  # noqa: F403
from .base import SECRET_KEY as _ENV_SECRET_KEY

DEBUG = True
# Only for the local demo: production refuses to start without SECRET_KEY in the environment.
SECRET_KEY = _ENV_SECRET_KEY or "local-demo-insecure-key-never-use-in-production-3f9c2a"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# A newcomer can point a webhook at a receiver on their own machine (README "Webhooks").
WEBHOOKS_ALLOW_HTTP = True
WEBHOOKS_ALLOW_LOOPBACK = True
