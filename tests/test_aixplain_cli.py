"""captioner run --backend aixplain, end to end against the fake service."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import AIX_KEY, SAMPLES

from captioner.cli.main import main
from captioner.testing.fake_aixplain import Scenario

pytestmark = pytest.mark.slow  # the CLI on real media against the fake service


def test_cli_aixplain_backend(fake, tmp_path):
    key_file = tmp_path / "aixplain.key"
    key_file.write_text(AIX_KEY + "\n")
    out_dir = tmp_path / "out"
    args = ["run", str(SAMPLES / "jfk.mp4"), "--backend", "aixplain", "--api-key-file", str(key_file)]
    args += ["-o", str(out_dir), "-f", "json,srt", "--jobs", "1", "--aixplain-timeout", "30", "-q", "--verbose"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads((out_dir / "jfk.json").read_text())
    assert data["language"] == "en"
    assert data["captioner"]["backend"] == "aixplain"
    assert data["captioner"]["credits_used"] > 0
    assert "fellow Americans" in (out_dir / "jfk.srt").read_text()
    assert AIX_KEY not in result.output and AIX_KEY not in (out_dir / "jfk.json").read_text()


def test_cli_aixplain_bad_key_one_line(fake, tmp_path):
    key_file = tmp_path / "aixplain.key"
    key_file.write_text(AIX_KEY + "\n")
    fake.scenario = Scenario(bad_key=True, echo_key=True)
    args = ["run", str(SAMPLES / "jfk.mp4"), "--backend", "aixplain", "--api-key-file", str(key_file)]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path), "-q", "--debug"])
    assert result.exit_code == 1
    assert "API key was refused" in result.output
    assert AIX_KEY not in result.output
