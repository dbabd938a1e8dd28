"""The fake-dataset writers moved into the package (:mod:`snnlab.data.fakes`); re-exported for the tests."""
from snnlab.data.fakes import *  # noqa: F401,F403
from snnlab.data.fakes import __all__  # noqa: F401
