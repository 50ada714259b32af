# Production image: gunicorn serves the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=husky_support.settings.production
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt . && useradd --system --home /app husky
COPY . .
RUN SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(64))') \
    ALLOW_SQLITE_IN_PRODUCTION=1 HUSKY_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown husky /app/var

USER husky
EXPOSE 8000
CMD ["gunicorn", "husky_support.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
