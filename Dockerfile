# The OTT Lowband server image (used twice by docker-compose.yml: setup job and server replicas).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-dejavu-core fonts-noto-core gcc make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY media ./media
COPY netem_profiles ./netem_profiles
COPY tui ./tui
COPY loadtest ./loadtest
RUN pip install --no-cache-dir .

RUN useradd --system --home /var/lib/ott ott && mkdir -p /var/lib/ott/media /var/lib/ott/keys \
 && chown -R ott /var/lib/ott
USER ott
EXPOSE 8080
CMD ["ott-server", "serve"]
