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
# What is installed: pyproject's [project] dependencies and the `airflow` extra's providers,
# never another extra (the embedded PostgreSQL, extra `embedded`, stays out), with Airflow
# fixed at the image's version. The versions come from two constraint sets, merged into
# /tmp/hub-constraints.txt: the image's own (AIRFLOW_CONSTRAINTS, the file the official image
# was built with) and the hub's requirements.lock. Where they disagree, the image's wins for
# every package it pins (Airflow's dependencies and providers, and whatever of the hub's it
# covers, e.g. SQLAlchemy), so pip never upgrades or downgrades a package Airflow pinned; the
# lock pins the rest (the hub's own, e.g. rapidfuzz, and anything new they pull in), except
# Airflow's own distributions (apache-airflow*), which follow the image and AIRFLOW_VERSION.
# So the requirements are names only: the hub's exact pins yield to the image's there. A pin
# of the lock that cannot live with the image's (a package of the lock needs another version
# of one the image pins) fails this build instead of moving Airflow's; the lock's hashes are
# dropped, as the image's constraints have none.
ARG AIRFLOW_CONSTRAINTS=/home/airflow/constraints.txt
COPY --chown=airflow:0 pyproject.toml requirements.lock ./
RUN python -c "import re, sys, tomllib; \
key = lambda line: re.sub('[-_.]+', '-', re.split('[^A-Za-z0-9._-]', line.strip(), maxsplit=1)[0]).lower(); \
project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
wanted = project['dependencies'] + [r for r in project['optional-dependencies']['airflow'] if key(r) != 'apache-airflow']; \
image = [line.strip() for line in open(sys.argv[1]) if line.strip() and not line.startswith('#')]; \
covered = {key(line) for line in image}; \
lock = re.findall('^([A-Za-z0-9][^ ]*==[^ ]*)', open('requirements.lock').read(), re.M); \
open(sys.argv[2], 'w').write('\n'.join(image + [pin for pin in lock if key(pin) not in covered and not key(pin).startswith('apache-airflow')]) + '\n'); \
print('\n'.join(r.split('==')[0] for r in wanted))" \
        "${AIRFLOW_CONSTRAINTS}" /tmp/hub-constraints.txt > /tmp/hub-requirements.txt \
    && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -c /tmp/hub-constraints.txt -r /tmp/hub-requirements.txt

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
