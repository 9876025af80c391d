# The Airflow image woonsignaal's compose stack runs: the official Airflow image of the pinned version,
# with the exact locked dependency set and the woonsignaal package installed.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11

USER airflow
WORKDIR /opt/woonsignaal
COPY --chown=airflow:0 requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY --chown=airflow:0 src ./src
RUN pip install --no-cache-dir --no-deps .
# dags/, dbt_project/ and expectations/ are mounted by docker-compose.yml so operators can change them
# without a rebuild; they are copied too so the image also runs on its own (Kubernetes, a cluster).
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 dbt_project ./dbt_project
COPY --chown=airflow:0 expectations ./expectations
ENV WOONSIGNAAL_DBT_PROJECT=/opt/woonsignaal/dbt_project \
    WOONSIGNAAL_EXPECTATIONS=/opt/woonsignaal/expectations \
    WOONSIGNAAL_HOME=/opt/woonsignaal/var \
    WOONSIGNAAL_LANDING=/opt/woonsignaal/landing \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false
WORKDIR /opt/airflow
