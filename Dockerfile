# svcalc under gunicorn. Beyond a laptop it runs behind the proxy (deploy/compose.yaml): three
# workers, of which heavy batches may hold one (SVCALC_HEAVY_CONCURRENCY), two always light.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SVCALC_BIND=0.0.0.0:8000 WEB_CONCURRENCY=3
WORKDIR /app
# The PDF report (WeasyPrint) needs Pango, HarfBuzz and a font; Debian's current ones.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml setup.cfg README.md ./
COPY svcalc ./svcalc
RUN pip install --no-cache-dir .
COPY gunicorn.conf.py wsgi.py ./
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin svcalc
USER 10001
EXPOSE 8000
# The slim image has no curl: Python checks /healthz (exit 1 on any error or non-2xx answer).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
