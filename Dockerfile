FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=8000 WEB_CONCURRENCY=2
WORKDIR /app
COPY pyproject.toml setup.cfg README.md ./
COPY svcalc ./svcalc
RUN pip install .
COPY wsgi.py ./
RUN useradd --no-create-home --shell /usr/sbin/nologin svcalc
USER svcalc
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--access-logfile=-", "wsgi:app"]
