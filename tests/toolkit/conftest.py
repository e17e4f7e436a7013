"""Fixtures of the toolkit tests: a client over the session's suite, and one registered
arbitrator for one-member panels."""

from __future__ import annotations

import pytest

from tradelane.client import TradeClient


@pytest.fixture
def client(chain, suite, artifacts):
    return TradeClient(chain, suite, artifacts=artifacts)


@pytest.fixture
def judge(client, arbitrators):
    client.register_arbitrator(arbitrators[0])
    return arbitrators[0]
