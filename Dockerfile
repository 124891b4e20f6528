# Collateral Registry: one image for the web server (gunicorn), the Celery worker and Celery beat.
# docker-compose.yml declares it once and picks the process per service with `command:`.
#
#   docker build -t collateral-registry .
#   docker run --rm -e SECRET_KEY=... -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... \
#       -p 8000:8000 collateral-registry
#
# Debian release pinned (bookworm) so rebuilds do not silently move to a new base; every dependency
# installs from a manylinux wheel, so no compiler or -dev package is needed in the image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    VAR_DIR=/app/var

WORKDIR /app

# Unprivileged user that runs every process; the code stays root-owned and read-only for it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# WeasyPrint renders certificate PDFs with Pango and embeds the Noto CJK fonts. Not pinned to
# package versions: bookworm's point releases replace them, and a pin would then fail the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from pyproject.toml alone, so code edits do not invalidate this layer.
# The pinned [project].dependencies are installed as they are (the project itself is not a
# package: [tool.setuptools] packages = []), read with the standard library's tomllib.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files are collected into the image (STATIC_ROOT = $VAR_DIR/static). The production
# settings refuse to load without SECRET_KEY, so a throwaway value is given to this one command;
# the real key comes from the environment at run time. var/ is the only writable directory.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p "$VAR_DIR" \
    && chown -R app:app "$VAR_DIR"

# Numeric, so an orchestrator can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000

# WEB_CONCURRENCY (read by gunicorn itself) sets the number of workers.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
