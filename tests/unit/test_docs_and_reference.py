"""The README documents what the hub reads, and the shipped reference data is the city's."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest

from hub.config import DEFAULT_REFERENCE_DIR, ENV_VARS, PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"


def test_readme_opens_with_the_two_commands():
    head = README[: README.index("## The flow")]
    assert "make demo" in head and "make test" in head


@pytest.mark.parametrize("name", sorted(ENV_VARS))
def test_readme_documents_every_variable(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("document", ["README.md", "RELIABILITY.md", "docs/security.md"])
def test_relative_links_lead_to_files_of_the_repository(document):
    text = (PROJECT_ROOT / document).read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if "://" not in t and not t.startswith("mailto:")]
    missing = [t for t in local if not (PROJECT_ROOT / document).parent.joinpath(t).exists()]
    assert missing == []


def test_ci_runs_exactly_the_readme_test_command():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().splitlines()[-1] == "make test"


@pytest.mark.skipif(not SHARED_REFERENCE.is_dir(), reason="no ../shared beside this checkout")
@pytest.mark.parametrize("name", ["districts.csv", "regions.csv", "industry_chains.csv"])
def test_reference_copies_match_the_shared_originals(name):
    assert filecmp.cmp(DEFAULT_REFERENCE_DIR / name, SHARED_REFERENCE / name, shallow=False)


def test_runtime_never_reads_shared_folder():
    for path in [
        *Path(PROJECT_ROOT, "hub").rglob("*.py"),
        *Path(PROJECT_ROOT, "connectors").rglob("*.py"),
    ]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path
