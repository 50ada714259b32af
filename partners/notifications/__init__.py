"""The one notification path of every app: models, the who-hears-what table, the object registry and the
services (docs/rules.md "Notifications")."""
