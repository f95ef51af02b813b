"""URL signing and path safety, without a server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from server.streaming.paths import UnsafePath, check_raw, clean_relative, resolve_inside
from server.streaming.signing import Grant, SignatureError, UrlSigner, load_secret

SID = "6f1d8a52-7a0e-4b8e-9d0c-1c2b3a4d5e6f"
NOW = 1_700_000_000


def grant(**kw: object) -> Grant:
    values: dict[str, object] = {"session_id": SID, "user_id": "u-1", "asset_id": "card", "scope": "video/144p/",
                                 "expires": NOW + 60}
    values.update(kw)
    return Grant(**values)  # type: ignore[arg-type]


def test_round_trip_and_scope() -> None:
    signer = UrlSigner(secret=b"k" * 32)
    token = signer.token(grant())
    got = signer.verify(session_id=SID, token=token, path="video/144p/seg_00001.ts", now=NOW)
    assert got == grant()
    with pytest.raises(SignatureError, match="does not cover"):
        signer.verify(session_id=SID, token=token, path="video/720p/seg_00001.ts", now=NOW)


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),     # signature changed
    lambda t: "x" + t,                                      # payload changed
    lambda t: t.split(".")[0],                              # no signature
    lambda t: t.replace(".", ".."),                         # malformed
    lambda t: t + "=",                                      # not base64url
    lambda t: "",
])
def test_tampering_is_detected(mutate: object) -> None:
    signer = UrlSigner(secret=b"k" * 32)
    token = signer.token(grant())
    with pytest.raises(SignatureError):
        signer.verify(session_id=SID, token=mutate(token), path="video/144p/x.ts", now=NOW)  # type: ignore[operator]


def test_other_session_secret_and_expiry_fail() -> None:
    signer = UrlSigner(secret=b"k" * 32)
    token = signer.token(grant())
    with pytest.raises(SignatureError, match="signature"):
        signer.verify(session_id=SID.replace("6f", "70", 1), token=token, path="video/144p/x.ts", now=NOW)
    with pytest.raises(SignatureError, match="signature"):
        UrlSigner(secret=b"j" * 32).verify(session_id=SID, token=token, path="video/144p/x.ts", now=NOW)
    with pytest.raises(SignatureError, match="expired"):
        signer.verify(session_id=SID, token=token, path="video/144p/x.ts", now=NOW + 60)
    with pytest.raises(ValueError, match="16 bytes"):
        UrlSigner(secret=b"short")
    with pytest.raises(ValueError, match="separators"):
        signer.token(grant(scope="a\x1fb"))


def test_secret_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    first = load_secret(configured=None, data_dir=tmp_path / "data")
    second = load_secret(configured=None, data_dir=tmp_path / "data")
    assert first == second and len(first) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "data" / "url_signing_secret").st_mode)
    assert mode == 0o600
    assert load_secret(configured="configured-secret", data_dir=tmp_path) == b"configured-secret"
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["url_signing_secret"]


@pytest.mark.parametrize("path", [
    "", "/etc/passwd", "../x.ts", "a/../b.ts", "./a.ts", "a//b.ts", "a/b.ts\x00", "a\\b.ts", ".hidden.ts",
    "video/144p/seg.exe", "video/144p", "a" * 500 + ".ts", "vidéo/seg.ts",
])
def test_unsafe_relative_paths(path: str) -> None:
    with pytest.raises(UnsafePath):
        clean_relative(path)


@pytest.mark.parametrize("raw", ["/media/%2e%2e/x", "/a%2Fb", "/a%00.ts", "/a%5cb", "/a%252e"])
def test_encoded_specials_in_raw_paths(raw: str) -> None:
    with pytest.raises(UnsafePath):
        check_raw(raw)


def test_resolve_inside_follows_symlinks_and_stays_in(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "card" / "video").mkdir(parents=True)
    (media / "card" / "video" / "ok.ts").write_bytes(b"G")
    outside = tmp_path / "secret.ts"
    outside.write_bytes(b"secret")
    (media / "card" / "video" / "out.ts").symlink_to(outside)
    (media / "card" / "video" / "in.ts").symlink_to(media / "card" / "video" / "ok.ts")
    assert resolve_inside(media_dir=media, asset_id="card", relative="video/ok.ts").read_bytes() == b"G"
    assert resolve_inside(media_dir=media, asset_id="card", relative="video/in.ts").read_bytes() == b"G"
    for rel in ("video/out.ts", "video/missing.ts"):
        with pytest.raises(UnsafePath):
            resolve_inside(media_dir=media, asset_id="card", relative=rel)
    (media / "card" / "video" / "dir.ts").mkdir()
    with pytest.raises(UnsafePath):
        resolve_inside(media_dir=media, asset_id="card", relative="video/dir.ts")
    for asset_id in ("..", "../media", "", "a/b"):
        with pytest.raises(UnsafePath):
            resolve_inside(media_dir=media, asset_id=asset_id, relative="video/ok.ts")


LINK = b"L" * 32


def test_link_tokens_cover_one_directory_until_they_expire() -> None:
    signer = UrlSigner(secret=b"k" * 32, link_secret=LINK)
    token = signer.directory_token(grant())
    assert token.count("~") == 3 and token.split("~")[1:] == [str(NOW + 60), "u-1", "card"]
    got = signer.verify(session_id=SID, token=token, path="video/144p/seg_00001.ts", now=NOW)
    assert got == grant()
    for path in ("video/720p/seg_00001.ts", "video/144p/x/seg.ts", "master.m3u8"):
        with pytest.raises(SignatureError):
            signer.verify(session_id=SID, token=token, path=path, now=NOW)
    with pytest.raises(SignatureError, match="signature"):
        signer.verify(session_id=SID.replace("6f", "70", 1), token=token, path="video/144p/x.ts", now=NOW)
    with pytest.raises(SignatureError, match="expired"):
        signer.verify(session_id=SID, token=token, path="video/144p/x.ts", now=NOW + 60)
    md5 = token.split("~", 1)[0]
    for bad in (f"{md5}~{NOW + 600}~u-1~card", token.replace("u-1", "u-2"), token.replace("card", "cars"),
                "x" + token[1:], token + "~x", f"{md5}~-1~u-1~card", token.replace("~", "~~", 1)):
        with pytest.raises(SignatureError):
            signer.verify(session_id=SID, token=bad, path="video/144p/x.ts", now=NOW)
    with pytest.raises(SignatureError, match="not accepted"):
        UrlSigner(secret=b"k" * 32).verify(session_id=SID, token=token, path="video/144p/x.ts", now=NOW)
    with pytest.raises(SignatureError, match="signature"):
        UrlSigner(secret=b"k" * 32, link_secret=b"M" * 32).verify(session_id=SID, token=token,
                                                                  path="video/144p/x.ts", now=NOW)


def test_directory_tokens_fall_back_to_hmac_where_a_link_does_not_fit() -> None:
    plain = UrlSigner(secret=b"k" * 32)
    assert "~" not in plain.directory_token(grant())  # no link secret
    signer = UrlSigner(secret=b"k" * 32, link_secret=LINK)
    for odd in (grant(scope="subs/en."), grant(scope=""), grant(user_id="u 1"), grant(asset_id="a/b")):
        token = signer.directory_token(odd)
        assert "~" not in token
    with pytest.raises(ValueError):
        signer.link_token(grant(scope="master.m3u8"))
    with pytest.raises(ValueError, match="16 bytes"):
        UrlSigner(secret=b"k" * 32, link_secret=b"short")
