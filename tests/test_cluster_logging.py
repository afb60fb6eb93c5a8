"""With --scheduler, Dask's own log lines stay out of captioner's stderr unless --debug
(captioner tells a lost scheduler, an unreachable one, in its own one line)."""

from __future__ import annotations

import logging

import distributed  # noqa: F401  (its import gives its loggers their levels and handlers)
import pytest

from captioner.cli.policy import configure_cluster_logging


@pytest.fixture()
def dask_loggers():
    """Dask's loggers and captioner.cluster: their levels before the test, put back after it."""
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] == "distributed"]
    loggers = {name: logging.getLogger(name) for name in [*names, "distributed.comm.tcp", "captioner.cluster"]}
    levels = {name: logger.level for name, logger in loggers.items()}
    yield levels
    for name, level in levels.items():
        loggers[name].setLevel(level)


def test_dasks_errors_are_not_logged_without_debug(dask_loggers) -> None:
    configure_cluster_logging(debug=False, verbose=True)
    # distributed.client (a lost scheduler's "Failed to reconnect") has a level and handler of its own
    for name in ("distributed.client", "distributed.core", "distributed.comm.tcp"):
        assert not logging.getLogger(name).isEnabledFor(logging.ERROR), name
    assert logging.getLogger("captioner.cluster").isEnabledFor(logging.INFO)  # -v: which worker did what


def test_debug_leaves_dasks_logging_as_dask_set_it(dask_loggers) -> None:
    configure_cluster_logging(debug=True, verbose=False)
    for name, level in dask_loggers.items():
        if name.startswith("distributed"):
            assert logging.getLogger(name).level == level, name
