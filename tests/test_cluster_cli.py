"""--scheduler's own checks, before any cluster is reached; Dask's log lines kept out of stderr."""

from __future__ import annotations

import logging
import sys

import distributed  # noqa: F401  (its import gives its loggers their levels and handlers)
import pytest
from conftest import SAMPLES, invoke

from captioner.cli.policy import configure_cluster_logging

JFK = SAMPLES / "jfk.mp4"


@pytest.mark.parametrize("command", [[], ["sync", "--root", str(SAMPLES)]], ids=["caption", "sync"])
def test_without_dask_distributed_scheduler_is_one_line_naming_the_extra(monkeypatch, command) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    code, _, err = invoke(*command, *([] if command else [JFK]), "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 1 and err.splitlines() == [
        "captioner: error: --scheduler needs Dask distributed, which is not installed: pip install 'captioner[cluster]'"
    ]


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (["--scheduler", "local:0"], "local:N wants a number of worker processes N >= 1"),
        (["--scheduler", "local:two"], "local:N wants a number of worker processes N >= 1"),
        (["--scheduler", "tcp://127.0.0.1:8786", "--backend", "aixplain"], "not --backend aixplain"),
    ],
)
def test_a_scheduler_option_that_cannot_work_is_a_usage_error(args, cause) -> None:
    code, _, err = invoke(JFK, *args)
    assert code == 2 and cause in err


def test_dask_scheduler_address_is_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "local:0")  # refused like --scheduler local:0
    code, _, err = invoke(JFK)
    assert code == 2 and "local:N wants a number" in err


@pytest.fixture()
def dask_loggers():
    """Dask's loggers and captioner.cluster: their levels before the test, put back after it."""
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] in ("distributed", "tornado")]
    extra = ["distributed.comm.tcp", "tornado.application", "captioner.cluster"]
    loggers = {name: logging.getLogger(name) for name in [*names, *extra]}
    levels = {name: logger.level for name, logger in loggers.items()}
    yield levels
    for name, level in levels.items():
        loggers[name].setLevel(level)


def test_dasks_errors_are_not_logged_without_debug(dask_loggers) -> None:
    configure_cluster_logging(debug=False, verbose=True)
    # distributed.client (a lost scheduler's "Failed to reconnect") has a level and handler of its own
    for name in ("distributed.client", "distributed.core", "distributed.comm.tcp"):
        assert not logging.getLogger(name).isEnabledFor(logging.ERROR), name
    # Tornado logs the errors of Dask's callbacks (seen in CI after a lost scheduler: a traceback
    # beside captioner's one line)
    assert not logging.getLogger("tornado.application").isEnabledFor(logging.ERROR)
    assert logging.getLogger("captioner.cluster").isEnabledFor(logging.INFO)  # -v: which worker did what


def test_debug_leaves_dasks_logging_as_dask_set_it(dask_loggers) -> None:
    configure_cluster_logging(debug=True, verbose=False)
    for name, level in dask_loggers.items():
        if name.startswith(("distributed", "tornado")):
            assert logging.getLogger(name).level == level, name
