import pytest

from .conftest import notebooks, run_dryrun


@pytest.mark.parametrize("path", notebooks("", "overview"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_overview_notebook_dryrun(path, dryrun_env):
    run_dryrun(path, dryrun_env)
