# The hub's Airflow image: the official Airflow image plus the hub (hub/, connectors/,
# expectations/) and what it reads at run time (sql/, reference/, schemas/).
# docker-compose.yml builds it; by hand: docker build -t investment-hub-airflow .
#
# The Python tag matches the one requirements.lock was resolved on (pyproject: >=3.11,<3.13).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION

USER root
# /data/* are the mount points of the named volumes in docker-compose.yml. A fresh named volume
# takes the ownership of the folder it is mounted on, so the airflow user (and group 0, for
# any AIRFLOW_UID) can write there: the sandbox writes land files, the hub its data docs.
RUN mkdir -p /opt/hub /data/land /data/hub \
    && chown -R airflow:0 /opt/hub /data \
    && chmod -R g+rwX /opt/hub /data
USER airflow
WORKDIR /opt/hub

# Dependencies first, in their own layer: editing the hub's code does not reinstall them.
# requirements.lock constrains the versions; Airflow itself stays at the image's version.
COPY --chown=airflow:0 pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/hub-requirements.txt \
    && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -c requirements.lock -r /tmp/hub-requirements.txt

COPY --chown=airflow:0 README.md ./
COPY --chown=airflow:0 hub/ hub/
COPY --chown=airflow:0 connectors/ connectors/
COPY --chown=airflow:0 expectations/ expectations/
COPY --chown=airflow:0 sql/ sql/
COPY --chown=airflow:0 reference/ reference/
COPY --chown=airflow:0 schemas/ schemas/
# Editable on purpose: the hub finds sql/, reference/ and schemas/ beside its package
# (hub.config.PROJECT_ROOT), so it runs from /opt/hub, where they are.
RUN pip install --no-cache-dir --no-deps -e .

ENV HUB_HOME=/data/hub
WORKDIR /opt/airflow
