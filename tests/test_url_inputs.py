"""Media at a URL: which arguments are URLs, their safe names, URL lists and the jobs they make
(no network here: the served cases are in test_url_media.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from captioner.errors import MediaError
from captioner.media.ffmpeg import redact
from captioner.media.urls import MediaURL, looks_like_url, parse_url, read_url_list, split_sources
from captioner.run.jobs import make_jobs
from captioner.run.settings import Settings

SIGNED = "https://store.example.com/talks/keynote%202024.mp3?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIA"


def test_a_url_keeps_its_query_string_out_of_names_and_messages():
    url = parse_url(SIGNED)
    assert url.url == SIGNED  # what is read and sent
    assert url.display == "https://store.example.com/talks/keynote%202024.mp3"
    assert str(url) == url.display
    assert url.name == "keynote_2024.mp3" and url.stem == "keynote_2024"
    assert "s3cr3t" not in redact(f"Error opening input file {SIGNED}.")


def test_user_and_password_are_never_shown():
    url = parse_url("https://alice:hunter2@example.com/a.mp3#t=10")
    assert url.display == "https://example.com/a.mp3"


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("file:///etc/passwd", "not an http or https URL (file:"),
        ("ftp://example.com/talk.mp3", "not an http or https URL (ftp:"),
        ("concat:http://a/x.mp3|http://b/y.mp3", "not an http or https URL (concat:"),
        ("subfile,,start,0,end,0,,:http://a/x.mp3", "not an http or https URL"),
        ("http:talk.mp3", "not an http or https URL"),
        ("https://example.com/", "names no file"),
        ("https://example.com/talks/..", "would leave the output folder"),
        ("https://example.com/a/%2e%2e", "would leave the output folder"),
        ("https://example.com/a/..%2Fsecret.mp3?sig=1", "would leave the output folder"),
        ("https://example.com/a/%2Fetc%2Fpasswd", "would leave the output folder"),
        ("https:///x.mp3", "names no host"),
        ("https://example.com/a b.mp3", "spaces or control characters"),
    ],
)
def test_bad_urls_are_refused_in_one_line(text, cause):
    with pytest.raises(MediaError) as info:
        parse_url(text)
    assert cause in info.value.cause
    assert "\n" not in str(info.value)
    assert "sig=" not in str(info.value)


def test_safe_names_stay_in_the_folder():
    assert parse_url("https://h/x/.hidden.mp3").name == "hidden.mp3"
    with pytest.raises(MediaError, match="leave the output folder"):
        parse_url("https://h/x/a%5Cb.mp3")  # a backslash: a folder on Windows
    assert parse_url("https://h/x/caf%C3%A9%20%3F.mp3").name == "café_.mp3"
    assert "/" not in parse_url("https://h/x/a%3A%2A%7C.mp3").name


def test_an_existing_file_with_a_colon_stays_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("ab:cd.mp3").write_bytes(b"x")
    assert not looks_like_url("ab:cd.mp3")
    assert looks_like_url("https://example.com/x.mp3")
    assert not looks_like_url("C:talk.mp3")  # a drive letter, not a scheme
    paths, urls, errors = split_sources(["ab:cd.mp3", "https://example.com/x.mp3", "file:///x", Path("y.mp3")])
    assert paths == [Path("ab:cd.mp3"), Path("y.mp3")]
    assert urls == [MediaURL("https://example.com/x.mp3")]
    assert len(errors) == 1 and "file:" in errors[0].cause


def test_a_url_list(tmp_path):
    listed = tmp_path / "urls.txt"
    listed.write_text(
        "# talks\n\nhttps://example.com/a.mp3\n  https://example.com/b.mp4?sig=xyz  \n"
        "local.mp3\nftp://example.com/c.mp3\n",
        encoding="utf-8",
    )
    urls, errors = read_url_list(listed)
    assert [u.display for u in urls] == ["https://example.com/a.mp3", "https://example.com/b.mp4"]
    assert [e.cause for e in errors][0].startswith("line 5 is not a URL")
    assert "ftp:" in errors[1].cause and len(errors) == 2
    missing, errors = read_url_list(tmp_path / "none.txt")
    assert missing == [] and "cannot read this URL list" in errors[0].cause


def test_url_jobs_need_an_output_folder(tmp_path):
    jobs, errors = make_jobs(["https://example.com/a.mp3?sig=1"], Settings())
    assert jobs == [] and "needs an output folder (-o DIR)" in str(errors[0])
    assert str(errors[0]).startswith("https://example.com/a.mp3: ")


def test_url_jobs_write_into_the_output_folder(tmp_path):
    settings = Settings(output_dir=tmp_path, formats=("srt", "vtt"))
    jobs, errors = make_jobs([SIGNED, "https://example.com/other/keynote 2024.mp3", SIGNED], settings)
    assert [j.outputs for j in jobs] == [
        {"srt": tmp_path / "keynote_2024.srt", "vtt": tmp_path / "keynote_2024.vtt"}
    ]  # the same URL once; another whose name clashes is refused (spaces) ...
    assert len(errors) == 1
    jobs, errors = make_jobs([SIGNED, "https://example.com/other/keynote%202024.mp3"], settings)
    assert len(jobs) == 1 and "would overwrite those of https://store.example.com/talks/keynote%202024.mp3" in str(
        errors[0]
    )  # ... and so is one whose captions would overwrite the first's


def test_url_jobs_are_not_muxed(tmp_path):
    jobs, errors = make_jobs(["https://example.com/a.mp4"], Settings(output_dir=tmp_path, attach="mux"))
    assert jobs == [] and "--mux needs a local video" in str(errors[0])


def test_the_api_takes_urls_with_an_output_folder():
    import captioner

    with pytest.raises(MediaError, match="needs an output folder"):
        captioner.caption("https://example.com/talk.mp3?sig=1")


def test_a_quote_before_the_signature_does_not_end_the_redaction():
    quoted = "https://alice:pw@store.example.com/a.mp3?x=a'b&X-Amz-Signature=s3cr3t#t=1"
    for line in (
        f"Error opening input file {quoted}.",
        f"Server returned 404 Not Found: '{quoted}'",
        f'cannot read "{quoted}", giving up',
    ):
        shown = redact(line)
        assert "s3cr3t" not in shown and "Amz" not in shown and "pw" not in shown and "alice" not in shown, shown
        assert "https://store.example.com/a.mp3" in shown
    assert redact("see https://h/a.mp3.") == "see https://h/a.mp3."  # the sentence's full stop stays
    assert parse_url(quoted).display == "https://store.example.com/a.mp3"


def test_a_url_list_with_a_byte_order_mark(tmp_path):
    listed = tmp_path / "urls.txt"
    listed.write_text("https://example.com/a.mp3\nhttps://example.com/b.mp3\n", encoding="utf-8-sig")
    urls, errors = read_url_list(listed)
    assert errors == [] and [u.display for u in urls] == ["https://example.com/a.mp3", "https://example.com/b.mp3"]


@pytest.mark.parametrize("command", ["check", "sync", "review", "edit", "mux", "burn"])
def test_commands_for_files_refuse_a_url_in_one_line(command, tmp_path):
    from conftest import invoke

    args = [SIGNED] if command in ("check", "sync", "edit") else [SIGNED, tmp_path / "x.srt"]
    code, out, err = invoke(command, *args)
    assert code == 2 and out == "", err
    assert err == (
        f"captioner: error: https://store.example.com/talks/keynote%202024.mp3: captioner {command} "
        "takes files and folders, not URLs\n"
    )
