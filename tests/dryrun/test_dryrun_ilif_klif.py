import pytest

from .conftest import notebooks, run_dryrun


@pytest.mark.parametrize("path", notebooks("ilif", "klif"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ilif_klif_notebook_dryrun(path, dryrun_env):
    run_dryrun(path, dryrun_env)
