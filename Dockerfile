# Same steps as `make run`: Graphviz from apt, the package from pyproject.toml, uvicorn on port 8000.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/backprop-lab
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir .

ENV OPENBLAS_NUM_THREADS=1
EXPOSE 8000
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
