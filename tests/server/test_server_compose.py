"""docker-compose.yml is valid without a Docker engine, and its environment matches the settings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_validates_with_docker_compose() -> None:
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose (Debian package) is installed by scripts/ensure-system-packages.sh test"
    result = subprocess.run([exe, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


def test_compose_has_the_stack_the_design_names() -> None:
    services = _compose()["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mongo"]["image"] == "mongo:7"
    assert services["nginx"]["image"].startswith("nginx")
    assert services["server"]["deploy"]["replicas"] == 2
    assert (ROOT / "Dockerfile").is_file()
    nginx_conf = [v.split(":")[0] for v in services["nginx"]["volumes"] if v.startswith("./")]
    assert nginx_conf and all((ROOT / p).is_file() for p in nginx_conf)


def test_server_environment_names_are_real_settings() -> None:
    services = _compose()["services"]
    known = {f"OTT_{name.upper()}" for name in Settings.model_fields}
    for name in ("server", "setup"):
        env = services[name]["environment"]
        names = set(env)
        assert {"OTT_DATABASE_URL", "OTT_REDIS_URL", "OTT_MONGO_URL"} <= names
        unknown = {n for n in names if n.startswith("OTT_")} - known
        assert not unknown, f"{name} sets variables the server does not read: {sorted(unknown)}"
    env = services["server"]["environment"]
    settings = Settings(**{k[4:].lower(): v for k, v in env.items() if k.startswith("OTT_")
                           and "${" not in str(v)})
    assert settings.require_verified_email is True
    assert settings.database_url and settings.database_url.startswith("postgresql://")


def test_nginx_and_the_server_share_the_link_secret() -> None:
    """nginx gets deploy/nginx.conf as a template with the same OTT_MEDIA_LINK_SECRET as the server."""
    services = _compose()["services"]
    nginx = services["nginx"]
    assert "./deploy/nginx.conf:/etc/nginx/templates/default.conf.template:ro" in nginx["volumes"]
    assert nginx["environment"]["OTT_MEDIA_LINK_SECRET"] == services["server"]["environment"]["OTT_MEDIA_LINK_SECRET"]
    assert "${OTT_MEDIA_LINK_SECRET}" in (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")


def test_nginx_runs_the_media_regex_with_pcre_jit_and_keeps_the_images_includes() -> None:
    """The front's media location is a regex run on every segment: the main config turns PCRE's JIT on,
    and still includes the site the image renders from the template (conf.d) and the MIME types."""
    nginx = _compose()["services"]["nginx"]
    assert "./deploy/nginx-main.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    main = (ROOT / "deploy" / "nginx-main.conf").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in main.splitlines()]
    assert "pcre_jit on;" in lines
    assert "include /etc/nginx/conf.d/*.conf;" in lines and "include       /etc/nginx/mime.types;" in lines
