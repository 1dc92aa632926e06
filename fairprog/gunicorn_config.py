"""gunicorn's settings for FairProg's web process, sized from the machine it runs on:

    gunicorn -c python:fairprog.gunicorn_config fairprog.wsgi

Each can be changed by the environment (README, *Deploying*); gunicorn's own command-line
options still override them.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, gunicorn's advice of two per core plus one: a page's time is Django's CPU and
# PostgreSQL's answers, and most public answers come from the cache (fairprog.page_cache).
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
# More than one thread turns the workers into gthread workers (for slow clients without a
# buffering proxy in front).
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers restart after this many requests, each at its own moment (the jitter): whatever a
# long-lived process gathers is let go without all of them pausing together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Load the application once, before forking: workers share its memory and start faster.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Client, time, request, status, bytes, microseconds taken, whether the page cache answered.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(D)sus cache=%({x-page-cache}o)s "%(a)s"'
errorlog = "-"
# Behind a proxy, the client's address comes from X-Forwarded-For (TRUSTED_PROXIES, README).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
