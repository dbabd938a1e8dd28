"""Every data test runs with the network forbidden: opening a socket fails the test."""
from __future__ import annotations

import socket

import pytest


def _forbidden(*args, **kwargs):
    pytest.fail(f"a data test tried to open a network connection: {args!r}", pytrace=True)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _forbidden)
    monkeypatch.setattr(socket.socket, "connect_ex", _forbidden)
    monkeypatch.setattr(socket, "create_connection", _forbidden)
    yield


@pytest.fixture
def no_debian_fmnist(monkeypatch):
    """Pretend the Debian Fashion-MNIST package is absent (and apt / downloads are off)."""
    monkeypatch.setenv("SNNLAB_DEBIAN_FMNIST", "/nonexistent/snnlab-test-fmnist")
    monkeypatch.setenv("SNNLAB_NO_APT", "1")
    monkeypatch.setenv("SNNLAB_NO_DOWNLOAD", "1")
