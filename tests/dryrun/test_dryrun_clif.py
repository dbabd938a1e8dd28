import pytest

from .conftest import notebooks, run_dryrun


@pytest.mark.parametrize("path", notebooks("clif"), ids=lambda p: p.name)
def test_clif_notebook_dryrun(path, dryrun_env):
    run_dryrun(path, dryrun_env)
