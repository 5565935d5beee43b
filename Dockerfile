# svcalc under gunicorn. Beyond a laptop it runs behind the proxy (deploy/compose.yaml): three
# workers, of which heavy batches may hold one (SVCALC_HEAVY_CONCURRENCY), two always light.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SVCALC_BIND=0.0.0.0:8000 WEB_CONCURRENCY=3 \
    SVCALC_DATABASE_URL=sqlite:////data/svcalc.db
WORKDIR /app
# The PDF report (WeasyPrint) needs Pango, HarfBuzz and a font; Debian's current ones.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml setup.cfg README.md ./
COPY svcalc ./svcalc
# PostgreSQL (psycopg) and Redis (shared rate limits) by URL, without rebuilding the image. The
# extras are this package's own, versioned in setup.cfg, so DL3013 (pin versions) does not apply.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[postgresql,redis]"
COPY gunicorn.conf.py wsgi.py ./
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin svcalc \
    && mkdir /data && chown 10001 /data
# The default SQLite database lives here; mount a volume to keep it (or set a PostgreSQL URL).
VOLUME /data
USER 10001
EXPOSE 8000
# The slim image has no curl: Python checks /healthz (exit 1 on any error or non-2xx answer).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
