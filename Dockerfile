# Production image: the API (`kakehashi serve`, the default) or a worker (`kakehashi worker`).
# CPU-only: ctranslate2's PyPI wheels are CPU builds; no CUDA or torch wheel enters the image.
#
#   docker build --network host -t kakehashi .
#
# The base is Debian bookworm with python3 and pip. Docker Hub is out of reach on the machines
# this is built on, so scripts/container-check makes it with debootstrap and tags it with this
# default; elsewhere any such image will do, e.g. --build-arg BASE_IMAGE=python:3.11-slim-bookworm.
ARG BASE_IMAGE=kakehashi-base:bookworm
FROM ${BASE_IMAGE}

RUN useradd --create-home --uid 10001 kakehashi \
    && install -d -o kakehashi -g kakehashi /data

# The pinned, hashed dependencies first and alone: a code change rebuilds only the layers below.
COPY requirements.lock /opt/kakehashi/requirements.lock
RUN python -m pip install --no-cache-dir --require-hashes -r /opt/kakehashi/requirements.lock

# Then kakehashi itself (no dependencies left to resolve). The source stays in /opt/kakehashi
# (it is small) rather than being copied in and deleted in a later layer, which keeps its size.
COPY pyproject.toml README.md /opt/kakehashi/
COPY service /opt/kakehashi/service
COPY translators /opt/kakehashi/translators
COPY feeds /opt/kakehashi/feeds
COPY glossaries /opt/kakehashi/glossaries
RUN python -m pip install --no-cache-dir --no-deps /opt/kakehashi \
    && rm -rf /opt/kakehashi/build /opt/kakehashi/*.egg-info

USER kakehashi
# The home folder is the working directory, so what a command writes to "." (the README's
# `python -m translators.toymodel toy-models`) lands somewhere the app user may write.
WORKDIR /home/kakehashi
ENV KAKEHASHI_DATA_DIR=/data \
    KAKEHASHI_PORT=8000 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
# The API's check, on whatever port KAKEHASHI_PORT says, with the standard library only (a few
# milliseconds, not the half second of CPU the full CLI costs). A worker overrides it with the
# heartbeat probe; one-shot commands (migrate) disable it (see compose.yaml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "service.probe", "http"]
ENTRYPOINT ["kakehashi"]
CMD ["serve", "--host", "0.0.0.0"]
