"""Superset's configuration for the hub (the image sets SUPERSET_CONFIG_PATH to this file).

No secret is written here: each comes from the container's environment, which compose fills
from .env (docker/make-env writes them). A missing one stops Superset at start, naming it.
"""

import os

#: Signs the session cookies and encrypts the passwords Superset keeps (the warehouse login's).
#: Changing it later leaves the stored password unreadable: run superset-init again.
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

#: Superset's own metadata (users, charts, dashboards): the superset-db PostgreSQL.
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_URL"]
