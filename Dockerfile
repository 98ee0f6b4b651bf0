# Backprop Lab as users install it: the wheel, served by `backprop-lab serve` as a non-root user.
#   make pyodide && docker build -t backprop-lab .   (static/ is copied as it is: Pyodide must be there)
#   docker run --rm -p 8000:8000 backprop-lab        (settings: -e BACKPROP_LAB_<NAME>=..., -e PORT=...)

# Stage 1: build the wheel (the same `pip wheel .` as anywhere; hatch_build.py lays it out).
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml hatch_build.py README.md LICENSE ./
COPY backprop_lab ./backprop_lab
COPY engine ./engine
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN test -f static/vendor/pyodide/pyodide.mjs \
 || { echo "static/vendor/pyodide is empty: run 'make pyodide' before 'docker build'" >&2; exit 1; }
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# Stage 2: Graphviz and the installed wheel; no source tree on the path.
FROM python:3.11-slim
# Graphviz as the base image's Debian release has it: pinning a version would break the build at
# Debian's next security update (the old package leaves the mirror).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz \
 && rm -rf /var/lib/apt/lists/*
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir /tmp/wheels/*.whl && rm -rf /tmp/wheels \
 && groupadd --system --gid 10001 backprop \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin backprop

# By number, so a runtime can check it is not root (Kubernetes' runAsNonRoot) without /etc/passwd.
USER 10001:10001
WORKDIR /tmp
ENV HOST=0.0.0.0 \
    PORT=8000 \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=4)"]
CMD ["backprop-lab", "serve"]
