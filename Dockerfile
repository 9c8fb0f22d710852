# Production image: API (`kakehashi serve`) or workers (`kakehashi worker`), CPU-only.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY translators ./translators
COPY feeds ./feeds
COPY glossaries ./glossaries
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 kakehashi \
    && mkdir -p /data && chown kakehashi /data
COPY --from=build /wheels /wheels
# ctranslate2's PyPI wheels are CPU builds; no CUDA or torch wheel enters the image.
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER kakehashi
ENV KAKEHASHI_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
# The API's check; a worker container overrides it with --heartbeat-file (see compose.yaml).
HEALTHCHECK --interval=30s --timeout=5s CMD ["kakehashi", "healthcheck", "--url", "http://127.0.0.1:8000/healthz"]
ENTRYPOINT ["kakehashi"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
