# The CIS image: one image, every process chosen by its command (see compose.yaml).
# Stage 1 builds our wheel and installs it, with its dependencies, into a virtualenv
# (compilers only here); stage 2 is that virtualenv on a slim Python, run as a user
# without privileges.
FROM python:3.11-slim AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain domain
COPY application application
COPY adapters adapters
COPY projections projections
COPY entrypoints entrypoints
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
    && python -m venv /opt/cis \
    && /opt/cis/bin/pip install --no-cache-dir /dist/*.whl

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 cis \
    && useradd --system --uid 10001 --gid cis --home-dir /home/cis --create-home \
       --shell /usr/sbin/nologin cis
COPY --from=builder /opt/cis /opt/cis
ENV PATH=/opt/cis/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CIS_DATA_DIR=/tmp/cis
USER cis:cis
WORKDIR /home/cis
# The APIs' ports (CIS_COMMAND_PORT, CIS_QUERY_PORT) and the workers' metrics port.
EXPOSE 8000 8001 9100
ENTRYPOINT ["cis"]
CMD ["--help"]
