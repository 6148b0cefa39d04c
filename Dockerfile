# One image for every Kavshiri process (api, worker, portal-sim); the command picks the role.
FROM python:3.11-slim
WORKDIR /app
# DejaVu Sans has the Georgian letters the PDF receipts need.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY nlu nlu
COPY published published
COPY connectors connectors
COPY api api
COPY kavshiri kavshiri
COPY portal_sim portal_sim
COPY locales locales
# The image's pip and setuptools have known advisories: upgraded before they install anything.
RUN pip install --no-cache-dir --upgrade pip setuptools && pip install --no-cache-dir -e . \
    && useradd --create-home kavshiri
USER kavshiri
ENV KAVSHIRI_HOME=/home/kavshiri/data
EXPOSE 8000
CMD ["kavshiri", "serve", "--host", "0.0.0.0", "--port", "8000"]
