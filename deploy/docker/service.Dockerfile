# The image of one service, for every process of it, picked by the command
# (hourbank_stack.topology.ROLES, plus `migrate`); `api` by default. The four services share
# this recipe and differ only in SERVICE: which workspace member is installed, and which of the
# per-service stages at the end (its ports, its API's health check, its command) is the image.
# Build from the repository root:
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=escrow -t hourbank-escrow .
# PYTHON_IMAGE: the public image by default; deploy/docker/base-images makes a stand-in from
# Debian's packages where no image can be pulled (docs/containers.md).
# No `# syntax=` line: the builder's own Dockerfile frontend is used, nothing is pulled for it.
ARG PYTHON_IMAGE=python:3.11.14-slim-trixie
# requests | escrow | disputes | notifications (no default: an image names its service).
ARG SERVICE

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
# binutils for `strip`. The uv that wrote uv.lock, in a virtual environment of its own: no
# base image's system Python is touched (Debian's refuses system-wide pip installs).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/* \
 && python -m venv /opt/uv \
 && /opt/uv/bin/pip install --no-cache-dir uv==0.13.9 \
 && ln -s /opt/uv/bin/uv /usr/local/bin/uv
# No bytecode is compiled for all the dependencies: it would be a third of the environment.
# Only what our modules import is compiled, after the code is installed (below).
ENV UV_COMPILE_BYTECODE=0 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# The workspace's manifests and the lock first: this layer is rebuilt only when they change.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY stack/pyproject.toml stack/
COPY services/requests/pyproject.toml services/requests/
COPY services/escrow/pyproject.toml services/escrow/
COPY services/disputes/pyproject.toml services/disputes/
COPY services/notifications/pyproject.toml services/notifications/
RUN --mount=type=cache,target=/root/.cache/uv \
    test -n "$SERVICE" \
 && uv sync --frozen --no-dev --no-install-workspace --package "hourbank-$SERVICE"
# The code, installed editable: the service finds alembic.ini and migrations/ beside its src/.
COPY shared/src shared/src
COPY services/${SERVICE} services/${SERVICE}
COPY deploy/docker/compile_imports.py /usr/local/lib/compile_imports.py
# Size: the compiled extension modules lose their symbol tables and debug sections (as
# Debian strips its own libraries); the libraries wheels vendor in <package>.libs/ are left
# as they are (auditwheel rewrote their ELF headers); type stubs and C/Cython sources go.
# Bytecode: all of our code, and of the dependencies what our modules import
# (compile_imports.py says why).
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "hourbank-$SERVICE" \
 && find .venv -name '*.so' -not -path '*.libs/*' -exec strip --strip-unneeded {} + \
 && find .venv/lib \( -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.c' \
    -o -name '*.h' -o -name '*.cpp' \) -type f -delete \
 && python -m compileall -q shared/src "services/$SERVICE/src" \
 && .venv/bin/python /usr/local/lib/compile_imports.py hourbank_shared "hourbank_$SERVICE"

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 hourbank \
 && useradd --system --uid 10001 --gid hourbank --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin hourbank
WORKDIR /app
COPY --from=build /app /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001

# Per service: the API's port and its workers' metrics ports, the API's liveness as the health
# check (docker-compose.yml gives each worker its own, Kubernetes uses its probes), the command.
FROM runtime AS requests
EXPOSE 8001 9101 9201 9301
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8001/healthz', timeout=4)"]
ENTRYPOINT ["hourbank-requests"]
CMD ["api", "--host", "0.0.0.0"]

FROM runtime AS escrow
EXPOSE 8002 9102 9202 9302
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8002/healthz', timeout=4)"]
ENTRYPOINT ["hourbank-escrow"]
CMD ["api", "--host", "0.0.0.0"]

FROM runtime AS disputes
EXPOSE 8003 9103 9203
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8003/healthz', timeout=4)"]
ENTRYPOINT ["hourbank-disputes"]
CMD ["api", "--host", "0.0.0.0"]

FROM runtime AS notifications
EXPOSE 8004 9104 9204
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8004/healthz', timeout=4)"]
ENTRYPOINT ["hourbank-notifications"]
CMD ["api", "--host", "0.0.0.0"]

# The image: the stage named by SERVICE.
FROM ${SERVICE}
