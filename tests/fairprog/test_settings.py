"""Settings are safe by default and clean under `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

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
        "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
        env=env,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(f"{var}/db.sqlite3")
    assert (var / "celery" / "queue").is_dir()
