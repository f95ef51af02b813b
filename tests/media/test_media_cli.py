"""The ``ott-media`` CLI: bad input → one line on stderr, exit 2, nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Packaged


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "media", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})  # fmt: skip


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_missing_source(tmp_path: Path) -> None:
    line = _one_error_line(_cli("package", str(tmp_path / "nope.mp4"), str(tmp_path / "out")))
    assert "not found" in line
    assert list(tmp_path.iterdir()) == []


def test_non_video_source(tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("hello, not a video\n")
    line = _one_error_line(_cli("package", str(src), str(tmp_path / "out")))
    assert "not a media file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_source_without_audio(tmp_path: Path) -> None:
    src = tmp_path / "silent.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", str(src)], check=True)  # fmt: skip
    line = _one_error_line(_cli("package", str(src), str(tmp_path / "out")))
    assert "no audio" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["silent.mp4"]


def test_unwritable_output_dir(packaged: Packaged, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user that ignores permissions")
        line = _one_error_line(_cli("package", str(packaged.source), str(locked / "out")))
        assert "not writable" in line
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_output_on_a_read_only_filesystem(packaged: Packaged) -> None:
    """/proc refuses new directories even to root."""
    line = _one_error_line(_cli("package", str(packaged.source), "/proc/ott-media-out"))
    assert "not writable" in line
    assert not Path("/proc/ott-media-out").exists()


def test_output_parent_is_missing(packaged: Packaged, tmp_path: Path) -> None:
    line = _one_error_line(_cli("package", str(packaged.source), str(tmp_path / "no" / "out")))
    assert "does not exist" in line
    assert list(tmp_path.iterdir()) == []


def test_ladder_with_unknown_field(packaged: Packaged, tmp_path: Path) -> None:
    ladder = tmp_path / "ladder.toml"
    ladder.write_text('[[rendition]]\nname="x"\nwidth=256\nheight=144\nvideo_kbps=200\nfps=30\n')
    line = _one_error_line(_cli("package", str(packaged.source), str(tmp_path / "out"), "--ladder", str(ladder)))
    assert "unknown field" in line and "fps" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ladder.toml"]


def test_probe_prints_json(packaged: Packaged) -> None:
    result = _cli("probe", str(packaged.source))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["type"] for s in data["streams"]] == ["video", "audio", "audio", "subtitle", "subtitle"]


def test_validate_ok_and_failing(packaged: Packaged, tmp_path: Path) -> None:
    ok = _cli("validate", str(packaged.root), "--no-keyframes")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(packaged.root, copy)
    (copy / "video/144p/seg_00003.ts").unlink()
    bad = _cli("validate", str(copy), "--no-keyframes")
    assert bad.returncode == 1
    assert "video/144p/index.m3u8:" in bad.stdout and "seg_00003.ts" in bad.stdout


def test_validate_without_asset(tmp_path: Path) -> None:
    _one_error_line(_cli("validate", str(tmp_path)))


def test_samples_second_run_is_cached(packaged: Packaged, tmp_path: Path) -> None:
    """Pre-seed a data dir with the packaged card under every short sample id: only the long title is
    assembled (from the packaged card, no encode); a second run does no work at all."""
    import shutil

    from media.samples import LONG_ID, LONG_REPEATS, SAMPLES

    for s in SAMPLES:
        shutil.copytree(packaged.root, tmp_path / "media" / s.asset_id)
    result = _cli("samples", env={"OTT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == len(SAMPLES) + 1
    assert not (tmp_path / "sources").exists()  # no test card was generated
    long = json.loads((tmp_path / "media" / LONG_ID / "asset.json").read_text())
    assert long["duration"] == pytest.approx(LONG_REPEATS * packaged.asset.duration)
    stamp = (tmp_path / "media" / LONG_ID / "asset.json").stat().st_mtime_ns
    again = _cli("samples", env={"OTT_DATA_DIR": str(tmp_path)})
    assert again.returncode == 0 and (tmp_path / "media" / LONG_ID / "asset.json").stat().st_mtime_ns == stamp


def test_samples_cut_with_an_older_layout_are_not_reused(packaged: Packaged, tmp_path: Path) -> None:
    """A data dir whose samples were cut with a 1 s first segment (before #13's 3 s one) is not taken as cached,
    so ``ott-media samples`` rebuilds them (package_asset's fingerprint differs too, so it re-encodes)."""
    import shutil

    from media.assets import Asset
    from media.samples import SAMPLES, cached, current_layout

    for s in SAMPLES:
        shutil.copytree(packaged.root, tmp_path / "media" / s.asset_id)
    assert current_layout(packaged.asset)
    assert cached(tmp_path, long=False) is not None
    old = tmp_path / "media" / SAMPLES[0].asset_id / "asset.json"
    Asset.load(old).model_copy(update={"first_segment_duration": 1.0}).save(old)
    assert not current_layout(Asset.load(old))
    assert cached(tmp_path, long=False) is None
