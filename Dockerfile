# responses-mock: a small, non-root image. Build: docker build -t responses-mock .
# Run:   docker run -p 8000:8000 responses-mock          (SQLite in the /data volume)
#        docker run -p 8000:8000 -e RESPONSES_MOCK_DATABASE_URL=postgresql+asyncpg://… responses-mock

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt
# Then the package itself, installed normally: the migrations and the catalog travel inside it.
COPY README.md LICENSE ./
COPY app ./app
COPY migrations ./migrations
RUN /opt/venv/bin/pip install --no-deps . && rm -rf /src/build

FROM python:3.11-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mock \
    && mkdir /data && chown mock /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RESPONSES_MOCK_HOST=0.0.0.0 \
    RESPONSES_MOCK_PORT=8000 \
    RESPONSES_MOCK_DATA_DIR=/data
USER mock
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
CMD ["responses-mock", "serve"]
