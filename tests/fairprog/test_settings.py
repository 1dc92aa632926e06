"""Settings are safe by default, clean under `check --deploy`, and write nothing when read."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fairprog.celery import BeatScheduler
from fairprog.celery import app as celery_app
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "FAIRPROG_VAR_DIR", "DATABASE_URL", "CELERY_BROKER_URL"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    env = _clean_env(
        SECRET_KEY="k" * 30 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
        ALLOWED_HOSTS="fairprog.example.org",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_outside_debug():
    result = _manage("check", env=_clean_env())
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_default_to_debug_off():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env=_clean_env(SECRET_KEY="x" * 50),
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_a_var_dir_set_in_the_env_file_is_used(tmp_path):
    var = tmp_path / "var-from-file"
    env_file = tmp_path / "fairprog.env"
    env_file.write_text(f"FAIRPROG_VAR_DIR={var}\nDEBUG=true\n")
    env = _clean_env(FAIRPROG_ENV_FILE=str(env_file))
    for name in ("FAIRPROG_VAR_DIR", "DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)  # the embedded default, whose files go under the var dir

    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME']); "
        "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])",
        env=env,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    database, broker_queue = result.stdout.strip().splitlines()[-2:]
    assert database == f"{var}/db.sqlite3"
    assert broker_queue == f"{var}/celery/queue"


def _embedded_env(var: Path) -> dict[str, str]:
    """SQLite and the on-disk broker, with their files under ``var`` (and no .env)."""
    env = _clean_env(FAIRPROG_VAR_DIR=str(var), FAIRPROG_ENV_FILE=os.devnull, DEBUG="true")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return env


def test_reading_the_settings_creates_nothing(tmp_path):
    var = tmp_path / "var"

    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.VAR_DIR, settings.STATIC_ROOT)",
        env=_embedded_env(var),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert not var.exists()


def test_the_beat_scheduler_makes_the_folder_of_its_schedule_file(tmp_path):
    schedule = tmp_path / "var" / "celerybeat-schedule"

    scheduler = BeatScheduler(app=celery_app, schedule_filename=str(schedule), lazy=False)
    scheduler.close()

    assert schedule.parent.is_dir()


@pytest.mark.slow
def test_migrate_and_a_worker_make_their_folders_in_a_missing_var_dir(tmp_path):
    var = tmp_path / "var"
    env = _embedded_env(var)

    migrated = _manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert (var / "db.sqlite3").is_file()

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "fairprog", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            assert wait_until(lambda: "ready." in log_path.read_text())
            assert (var / "celery" / "queue").is_dir()
            sent = _manage(
                "shell",
                "-c",
                "from fairprog.tasks import sessions_clear_expired; sessions_clear_expired.delay()",
                env=env,
            )
            assert sent.returncode == 0, sent.stdout + sent.stderr
            assert wait_until(lambda: "succeeded" in log_path.read_text()), log_path.read_text()
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
