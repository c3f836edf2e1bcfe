# A production-like image of Shakti: trytond, the Shakti modules and the
# sao web client. docker-compose.yml runs it with PostgreSQL.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/shakti
COPY . .
RUN pip install --no-cache-dir -r requirements.txt \
    && npm ci --omit=dev --no-audit --no-fund \
    && ln -s .. node_modules/tryton-sao/node_modules

ENV TRYTOND_CONFIG=/srv/shakti/config/trytond.conf \
    TRYTOND_WEB__ROOT=/srv/shakti/node_modules/tryton-sao \
    TRYTOND_WEB__LISTEN=0.0.0.0:8000 \
    TRYTOND_DATABASE__LIST=False \
    SHAKTI_VAR=/var/lib/shakti

EXPOSE 8000
CMD ["trytond", "-d", "shakti"]
