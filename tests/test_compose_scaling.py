"""docker-compose.yml runs as a trust would run it: `docker compose up --scale web=3
--scale worker=2`, with exactly one beat, every web server and worker sharing the same
PostgreSQL, Redis and S3 bucket and keeping nothing of their own.

The file is read with PyYAML here; where Docker's compose plugin is installed, `docker
compose config` must also accept it, and its resolved output passes the same checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "deploy" / "nginx" / "enigma.conf"
SCALED = ("web", "worker")
SHARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ADDRESSING_STYLE",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
)
# What `docker compose config` needs set (the file demands each with ${VAR:?}).
ENV = {
    "SECRET_KEY": "x" * 64,
    "POSTGRES_PASSWORD": "pg-password",
    "ENIGMA_DB_OWNER_PASSWORD": "owner-password",
    "ENIGMA_DB_APP_PASSWORD": "app-password",
    "CHRONOLOGY_KEYS": "k=" + "y" * 40,
    "CHRONOLOGY_KEY_ID": "k",
    "ALLOWED_HOSTS": "enigma.example.org",
    "ENIGMA_SITE_URL": "https://enigma.example.org",
    "S3_ACCESS_KEY_ID": "access-key",
    "S3_SECRET_ACCESS_KEY": "secret-key",
}


def command(service: dict) -> list[str]:
    cmd = service.get("command") or []
    return cmd.split() if isinstance(cmd, str) else [str(part) for part in cmd]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def check(services: dict) -> None:
    """The properties a scaled deployment depends on, for a parsed or resolved file."""
    # Exactly one beat: one service runs `celery beat`, never scaled.
    beats = [name for name, s in services.items() if {"celery", "beat"} <= set(command(s))]
    assert beats == ["beat"]
    assert (services["beat"].get("deploy") or {}).get("replicas", 1) == 1
    assert "scale" not in services["beat"]

    for name in SCALED:
        service = services[name]
        # Scalable: no fixed host port, no fixed container name.
        assert "ports" not in service or not service["ports"], name
        assert "container_name" not in service, name
        # Nothing kept on the container's own disk or a volume of its own.
        assert not service.get("volumes"), name

    # Every process shares the same database, Redis and bucket.
    envs = {name: environment(services[name]) for name in (*SCALED, "beat")}
    for key in SHARED:
        values = {name: env.get(key) for name, env in envs.items()}
        assert len(set(values.values())) == 1 and None not in values.values(), (key, values)
    assert envs["web"]["S3_BUCKET"]

    # The S3-compatible service exists and is the one the app is pointed at.
    assert "s3" in services
    assert "http://s3:" in envs["web"]["S3_ENDPOINT_URL"]  # a default, or resolved to it
    # The bucket is prepared (made, checked private) before web servers and workers start.
    assert "prepare_private_storage" in command(services["bucket"])
    for name in SCALED:
        depends = services[name]["depends_on"]
        assert depends["bucket"]["condition"] == "service_completed_successfully", name

    # Requests reach the web servers through the proxy, the only published port.
    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["proxy"]


def test_the_compose_file_scales_web_and_workers_with_one_beat():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    check(services)


def test_the_proxy_balances_over_every_web_replica():
    conf = NGINX.read_text()
    # Re-resolved, so that replicas started by --scale after nginx are used too.
    assert "server web:8000 resolve;" in conf
    assert "resolver 127.0.0.11" in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    mounts = services["proxy"]["volumes"]
    assert any(m.startswith("./deploy/nginx/enigma.conf:") for m in mounts)


def test_web_servers_keep_no_state_of_their_own(settings):
    from django.conf import settings as live

    # Sessions live in the database: Django's store (enigma.sessions reads its row by
    # SQL compiled once), never a file or a process's memory.
    from django.contrib.sessions.backends import db
    from django.utils.module_loading import import_module

    assert issubclass(import_module(live.SESSION_ENGINE).SessionStore, db.SessionStore)
    assert live.STORAGES["private"]["BACKEND"].startswith("records.storage.")


def _compose_plugin() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    found = subprocess.run(
        [docker, "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return found.returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="docker compose is not installed")
def test_docker_compose_config_accepts_the_file(tmp_path):
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--format", "json"],
        cwd=ROOT,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), **ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    check(json.loads(result.stdout)["services"])


def test_only_the_backup_worker_holds_the_backup_key_and_reads_its_queue(settings):
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    holders = [name for name, s in services.items() if "BACKUP_KEY" in environment(s)]
    assert sorted(holders) == ["backup", "restore"]
    assert (services["backup"].get("deploy") or {}).get("replicas", 1) == 1
    backup = command(services["backup"])
    assert backup[backup.index("-Q") + 1] == "backups"
    assert "-Q" not in command(services["worker"])  # the default queue only
    assert settings.CELERY_TASK_ROUTES["enigma.tasks.nightly_backup"]["queue"] == "backups"


def test_every_image_from_elsewhere_is_pinned_to_a_release():
    """A moving tag (latest, stable, none) changes what a school runs without a change
    here; only the image built from this repository is ours to tag."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    images = {name: s["image"] for name, s in services.items() if "image" in s and "build" not in s}
    images.pop("web", None)
    for name, image in images.items():
        if image.startswith("enigma:"):
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag not in ("latest", "stable", "edge"), f"{name}: {image}"
