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
| SVCALC_MAX_WORKER_RSS_MIB | 200 | replace a worker whose memory a request left above this |
| SVCALC_ADMISSION_DIR | a new temporary directory | where the workers share the heavy-work slots |

Every value can still be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os
import shutil
import tempfile


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
# gunicorn's sync worker with problem+json error pages, a queue drained on SIGTERM and a memory
# bound (SVCALC_MAX_WORKER_RSS_MIB): svcalc/worker.py.
worker_class = "svcalc.worker.Worker"
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
# The longest request line gunicorn takes (its maximum; the default is 4094). Header fields stay
# at gunicorn's defaults (100 fields of 8190 bytes). Beyond them gunicorn answers 414/431 itself,
# as problem+json (svcalc/worker.py); behind the proxy, nginx's 8 KiB limits answer first. The
# body limit is SVCALC_MAX_CONTENT_LENGTH (413 problem+json from the app).
limit_request_line = 8190
# gunicorn 24+ opens a control socket at one fixed per-user path; several instances on one host
# (tests, bench, soak) would fight over it, and svcalc does not use gunicornc.
control_socket_disable = True


def on_starting(server):
    """Give the workers one directory for their heavy-work slots (svcalc/api/admission.py): the
    budget of concurrent heavy requests is the server's, not each worker's."""
    if not os.environ.get("SVCALC_ADMISSION_DIR"):
        os.environ["SVCALC_ADMISSION_DIR"] = tempfile.mkdtemp(prefix="svcalc-admission-")
        server.svcalc_admission_dir = os.environ["SVCALC_ADMISSION_DIR"]


def on_exit(server):
    made = getattr(server, "svcalc_admission_dir", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)
