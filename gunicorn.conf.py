"""gunicorn settings for svcalc, read from the environment (used by `make run` and the Dockerfile).

| variable | default | meaning |
|---|---|---|
| SVCALC_BIND | HOST:PORT | address to listen on, e.g. 0.0.0.0:8000 (the Docker image sets it) |
| HOST, PORT | 127.0.0.1, 8000 | used when SVCALC_BIND is unset |
| WEB_CONCURRENCY | CPUs + 1 | sync worker processes |
| SVCALC_TIMEOUT | 30 | seconds a worker may be silent before the arbiter kills it |
| SVCALC_GRACEFUL_TIMEOUT | 20 | seconds workers get to finish requests on SIGTERM/HUP |
| SVCALC_MAX_REQUESTS | 10000 | recycle a worker after this many requests (0: never) |
| SVCALC_LOG_LEVEL | INFO | gunicorn's own log level (svcalc's logs: see wsgi.py) |

Every value can still be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


bind = os.environ.get("SVCALC_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
# An appraisal is CPU-bound (a few ms of numpy and marshmallow), so one sync worker per core
# uses the machine; one more keeps a core busy while a worker restarts or waits on a slow client.
workers = int(os.environ.get("WEB_CONCURRENCY") or _cpus() + 1)
worker_class = "sync"
# The backstop behind svcalc's own per-request compute budget (SVCALC_COMPUTE_BUDGET_SECONDS).
timeout = int(os.environ.get("SVCALC_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("SVCALC_GRACEFUL_TIMEOUT", "20"))
# Recycle workers now and then, staggered by the jitter so they never restart together.
max_requests = int(os.environ.get("SVCALC_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Heartbeat files on tmpfs: a container's overlay filesystem can stall them (gunicorn docs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# svcalc writes its own access line per request (JSON on stdout, with the request id, status and
# duration: svcalc/api/observability.py), so gunicorn's would only duplicate it. For gunicorn's
# too: GUNICORN_CMD_ARGS="--access-logfile=-".
accesslog = None
errorlog = "-"
loglevel = os.environ.get("SVCALC_LOG_LEVEL", "info").lower()
# Request-line and header limits stay at gunicorn's defaults; the body limit is
# SVCALC_MAX_CONTENT_LENGTH (413 problem+json from the app).
# gunicorn 24+ opens a control socket at one fixed per-user path; several instances on one host
# (tests, bench, soak) would fight over it, and svcalc does not use gunicornc.
control_socket_disable = True
