# The CIS image: one image, every process chosen by its command (see compose.yaml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY application application
COPY adapters adapters
COPY projections projections
COPY entrypoints entrypoints
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["cis"]
