"""Airflow glue shared by the hub's DAG files: default args, tags, Assets, settings builder.

Airflow puts the DAG bundle folder (``dags/``) on ``sys.path``, so DAG files import this as
``hub_airflow.*``; ``dags/.airflowignore`` keeps the DAG processor from parsing it. Nothing here
does I/O or imports the hub at module level: DAG files are parsed every few seconds.
"""
