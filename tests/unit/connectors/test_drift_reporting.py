from connectors.commerce import unknown_fields
from connectors.common.drift import report_schema_drift
from connectors.common.records import Checkpoint, Incident, SourceRecord


def record(**payload):
    return SourceRecord("projects", payload.get("project_no"), payload)


def test_new_fields_are_kept_and_reported_once():
    items = [
        record(project_no="A", esg_rating="AA"),
        record(project_no="B", esg_rating="B", wechat="x"),
        Checkpoint({"updated_since": "2024-01-01T00:00:00+08:00"}),
    ]
    out = list(report_schema_drift(items, unknown_fields))
    assert out[:3] == items  # records pass through verbatim, order kept
    (incident,) = out[3:]
    assert isinstance(incident, Incident) and incident.kind == "schema_drift"
    assert "esg_rating (2 records)" in incident.detail and "wechat (1 records)" in incident.detail


def test_no_drift_no_incident():
    items = [record(project_no="A", project_name="x")]
    assert list(report_schema_drift(items, unknown_fields)) == items
