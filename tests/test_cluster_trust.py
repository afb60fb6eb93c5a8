"""Whom captioner lets decode its audio: TLS clusters, no unencrypted one off this machine without
consent, and a cluster's answers never served to a local run from the cache (issue 25, item 1)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cluster_support import Cluster
from conftest import ROOT, SAMPLES, invoke, run_ffmpeg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from distributed import Client
from distributed.security import Security

from captioner.errors import RunError
from captioner.run.cache import TranscriptCache
from captioner.transcription.cluster.access import ClusterRefused, ClusterTrust, check_access, cluster_identity
from captioner.transcription.cluster.backend import ClusterBackend

FAR = "tcp://10.0.0.1:8786"  # never reached: every test below is refused, or stopped, before a connection


# -- the decision, made before any connection (fast) ------------------------------------------
@pytest.mark.parametrize("address", [FAR, "10.0.0.1:8786", "tcp://example.org:8786", "ws://10.0.0.1:8786"])
def test_a_plain_address_off_this_machine_is_refused_without_consent(address) -> None:
    with pytest.raises(ClusterRefused, match="--insecure-cluster"):
        check_access(address, ClusterTrust())
    warning = check_access(address, ClusterTrust(insecure=True))
    assert warning is not None and "\n" not in warning and address in warning


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "127.0.0.2:8786", "tcp://[::1]:8786", "localhost:1"])
def test_a_plain_loopback_address_needs_no_consent(address) -> None:
    assert check_access(address, ClusterTrust()) is None


def test_the_cluster_names_its_cache_entries_never_as_the_local_engine(tmp_path) -> None:
    ca, cert, key = _certificates(tmp_path / "a", "captioner test CA")
    other_ca, _, _ = _certificates(tmp_path / "b", "another CA")
    tls = "tls://127.0.0.1:8786"
    names = {
        cluster_identity("tcp://127.0.0.1:8786", ClusterTrust()),
        cluster_identity(tls, ClusterTrust(str(ca), str(cert), str(key))),
        cluster_identity(tls, ClusterTrust(str(other_ca), str(cert), str(key))),  # another authority
        cluster_identity("local:2", ClusterTrust()),
    }
    assert len(names) == 4 and all(name and "BEGIN" not in name for name in names)


def test_a_plain_address_off_this_machine_is_exit_2_and_nothing_reached(monkeypatch, tmp_path) -> None:
    media = tmp_path / "jfk.mp4"
    media.write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    reached: list[str] = []
    monkeypatch.setattr(ClusterBackend, "_connect", lambda self, a: reached.append(a) or _stop())
    code, _, err = invoke(media, "--scheduler", FAR)
    assert code == 2 and err.splitlines() == [err.strip()] and err.startswith(f"captioner: error: --scheduler {FAR}:")
    assert "--insecure-cluster" in err and not reached and sorted(os.listdir(tmp_path)) == ["jfk.mp4"]
    # with consent: one warning line, then the connection (stopped here: nothing leaves the machine)
    code, _, err = invoke(media, "--scheduler", FAR, "--insecure-cluster")
    lines = err.strip().splitlines()
    assert reached == [FAR] and code == 1 and len(lines) == 2, err
    assert lines[0].startswith(f"captioner: warning: the Dask cluster at {FAR} is neither encrypted nor auth")
    assert lines[1] == "captioner: error: stopped before connecting (test)"


def test_a_library_caller_is_refused_the_same_before_any_connection() -> None:
    with pytest.raises(RunError, match="--insecure-cluster"):
        ClusterBackend(FAR)


@pytest.mark.parametrize("table", ["", "cluster = { insecure = true }\n"], ids=["refused", "consented"])
def test_sync_takes_consent_from_the_trees_configuration(monkeypatch, tmp_path, table) -> None:
    (tmp_path / "jfk.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    (tmp_path / "captioner.toml").write_text(table)
    reached: list[str] = []
    monkeypatch.setattr(ClusterBackend, "_connect", lambda self, a: reached.append(a) or _stop())
    code, _, err = invoke("sync", "--root", tmp_path, "--scheduler", FAR, "-q")
    if table:
        assert reached == [FAR] and code == 1 and "captioner: warning: the Dask cluster at" in err
    else:
        assert not reached and code == 2 and err.count("\n") == 1 and "--insecure-cluster" in err


def test_a_tls_address_without_certificates_or_with_a_missing_one_is_exit_2(tmp_path) -> None:
    ca, cert, _ = _certificates(tmp_path, "captioner test CA")
    code, _, err = invoke(SAMPLES / "jfk.mp4", "--scheduler", "tls://127.0.0.1:8786", "-o", tmp_path)
    assert code == 2 and "a tls:// scheduler needs --tls-ca-file, --tls-cert, --tls-key" in err
    given = ("--tls-ca-file", ca, "--tls-cert", cert, "--tls-key", tmp_path / "gone.pem")
    code, _, err = invoke(SAMPLES / "jfk.mp4", "--scheduler", "tls://127.0.0.1:8786", *given, "-o", tmp_path)
    assert code == 2 and err == f"captioner: error: --tls-key {tmp_path / 'gone.pem'}: not a file\n"


def test_certificates_come_from_dasks_configuration_when_no_option_names_them(tmp_path) -> None:
    import dask.config

    ca, cert, key = _certificates(tmp_path, "captioner test CA")
    tls = "tls://127.0.0.1:8786"
    with pytest.raises(ClusterRefused):
        check_access(tls, ClusterTrust())
    configured = {"ca-file": str(ca), "client": {"cert": str(cert), "key": str(key)}}
    with dask.config.set({"distributed.comm.tls": configured}):
        assert check_access(tls, ClusterTrust()) is None
        assert cluster_identity(tls, ClusterTrust()) == cluster_identity(
            tls, ClusterTrust(str(ca), str(cert), str(key))
        )


def test_the_trees_cluster_table_names_files_inside_the_tree_only(tmp_path) -> None:
    from captioner.ci.config import ConfigError, load_config

    (tmp_path / "captioner.toml").write_text('cluster = { tls_ca_file = "certs/ca.pem", insecure = false }\n')
    assert load_config(tmp_path).cluster == ClusterTrust(ca_file=str(tmp_path / "certs" / "ca.pem"))
    for table in ('{ tls_key = "../key.pem" }', '{ tls_key = "/etc/key.pem" }', '{ insecure = "yes" }', "{ port = 1 }"):
        (tmp_path / "captioner.toml").write_text(f"cluster = {table}\n")
        with pytest.raises(ConfigError) as refused:
            load_config(tmp_path)
        assert str(refused.value).startswith("captioner.toml: ") and "cluster" in str(refused.value)


# -- real clusters on 127.0.0.1 (slow) ---------------------------------------------------------
@pytest.mark.slow
def test_a_rogue_client_cannot_poison_a_later_local_runs_cache(cli, tmp_path, tmp_path_factory) -> None:
    media = _fresh_jfk(tmp_path, 0.95)

    def forge(result):  # on the workers: what a rogue client can make them answer
        from dataclasses import replace

        result.words = [replace(w, word=w.word.replace("country", "kingdom")) for w in result.words]
        result.segments = [replace(s, text=s.text.replace("country", "kingdom")) for s in result.segments]
        return result

    code, err = _run_on_a_rogue_cluster(cli, tmp_path_factory, forge, media, "-o", tmp_path / "cluster", "-f", "srt")
    assert code == 0, err
    assert "kingdom" in (tmp_path / "cluster" / "jfk.srt").read_text("utf-8")  # the forgery took effect there
    code, _, err = cli(media, "-o", tmp_path / "local", "-f", "srt", "-q")  # the same cache, no cluster
    assert code == 0, err
    local = (tmp_path / "local" / "jfk.srt").read_text("utf-8")
    assert "country" in local and "kingdom" not in local


@pytest.mark.slow
def test_a_workers_answer_out_of_bounds_fails_its_file_in_one_line(cli, tmp_path, tmp_path_factory) -> None:
    media = _fresh_jfk(tmp_path, 0.93)
    cached = TranscriptCache().stats().entries

    def forge(result):  # the cache entry, from a worker: a word ending at 1e308 s in an 11 s file
        from dataclasses import replace

        result.words = [*result.words[:-1], replace(result.words[-1], end=1e308)]
        return result

    code, err = _run_on_a_rogue_cluster(cli, tmp_path_factory, forge, media, "-o", tmp_path / "out")
    lines = err.strip().splitlines()
    assert code == 1 and "Traceback" not in err, err
    assert lines[0].startswith(
        f"captioner: error: {media}: a worker's answer was not used: a word outside the audio"
    ), err
    assert not list(tmp_path.glob("out/*")) and TranscriptCache().stats().entries == cached  # nothing written


@pytest.mark.slow
def test_a_worker_answering_a_pickled_object_is_refused_unread(cli, tmp_path, tmp_path_factory) -> None:
    media = _fresh_jfk(tmp_path, 0.91)
    marker = str(tmp_path / "unpickled")  # made by whoever unpickles the answer

    def forge(result):  # an object whose unpickling runs code: here, making a folder
        import os

        class Opened:
            def __reduce__(self):
                return (os.mkdir, (marker,))

        return Opened()

    code, err = _run_on_a_rogue_cluster(cli, tmp_path_factory, forge, media, "-o", tmp_path / "out", raw=True)
    assert code == 1 and "Traceback" not in err, err
    assert err.strip().splitlines()[0] == (
        f"captioner: error: {media}: a worker's answer was not used: not transcript JSON bytes (refused unread)"
    ), err
    assert not os.path.exists(marker) and not list(tmp_path.glob("out/*"))


def _fresh_jfk(folder: Path, volume: float) -> Path:
    """The JFK clip at another volume: audio no other test has cached (the session's cache is shared)."""
    media = folder / "jfk.flac"
    run_ffmpeg("-v", "error", "-i", str(SAMPLES / "jfk.mp4"), "-af", f"volume={volume}", str(media))
    return media


def _run_on_a_rogue_cluster(cli, tmp_path_factory, forge, *args, raw: bool = False) -> tuple[int, str]:
    """captioner ARGS --scheduler on a loopback cluster whose worker another client told to pass
    every decoded piece through ``forge`` (a function defined in the test: sent by value); with
    ``raw``, the task returns what ``forge`` makes, not its JSON."""
    cluster = Cluster(tmp_path_factory.mktemp("rogue"))

    def install() -> None:
        from captioner.transcription.local.engine import LocalBackend

        real = LocalBackend.transcribe_piece
        LocalBackend.transcribe_piece = lambda self, *a, **k: forge(real(self, *a, **k))
        if raw:
            from captioner.transcription.cluster import worker

            worker.encode_piece = lambda result: result

    try:
        cluster.start_scheduler()
        cluster.start_worker()
        with Client(cluster.address, set_as_default=False) as rogue:
            rogue.wait_for_workers(1, timeout=120)
            rogue.run(install)
            code, _, err = cli(*args, "--scheduler", cluster.address, "-q")
    finally:
        cluster.stop()
    return code, err


@pytest.mark.slow
def test_a_tls_cluster_works_with_its_certificates_and_is_one_line_with_others(cli, tmp_path, tmp_path_factory) -> None:
    ca, cert, key = _certificates(tmp_path / "certs-right", "captioner test CA")
    other_ca, other_cert, other_key = _certificates(tmp_path / "certs-wrong", "another CA")
    media = tmp_path / "jfk.mp4"
    media.write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    tls = ("--tls-ca-file", str(ca), "--tls-cert", str(cert), "--tls-key", str(key))
    cluster = Cluster(tmp_path_factory.mktemp("tls"), tls=("--protocol", "tls", *tls))
    try:
        cluster.start_scheduler()
        cluster.start_worker()
        address = cluster.address
        assert address.startswith("tls://127.0.0.1:")
        security = Security(require_encryption=True, tls_ca_file=str(ca), tls_client_cert=str(cert),
                            tls_client_key=str(key))  # fmt: skip
        with Client(address, security=security, set_as_default=False) as observer:
            observer.wait_for_workers(1, timeout=120)
        code, _, err = cli(media, "--scheduler", address, *tls, "-o", tmp_path / "right", "--no-cache", "-q")
        assert code == 0, err
        assert "country" in (tmp_path / "right" / "jfk.srt").read_text("utf-8")
        wrong = ("--tls-ca-file", other_ca, "--tls-cert", other_cert, "--tls-key", other_key)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "5s"}
        command = [sys.executable, "-m", "captioner", media, "--scheduler", address, *wrong, "--no-cache"]
        proc = subprocess.run(
            [*map(str, command), "-o", str(tmp_path / "wrong")], capture_output=True, text=True, env=env, timeout=300
        )
    finally:
        cluster.stop()
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith(f"captioner: error: cannot reach the Dask scheduler at {address}: ")
    assert "BEGIN" not in proc.stderr and not list(tmp_path.glob("wrong/*"))


def _stop() -> None:
    raise RunError("stopped before connecting (test)")


def _certificates(folder: Path, authority: str) -> tuple[Path, Path, Path]:
    """A certificate authority's certificate, and a certificate and key it signed (the scheduler's,
    the workers' and the client's alike): files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, authority)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "captioner test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths
