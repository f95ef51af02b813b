"""OTT Lowband media pipeline: packaging (HLS TS + DASH), playlists, probing and validation.

Import is light: nothing here runs ffmpeg.
"""

from media.abr import (
    DEFAULT_RULE,
    RULES,
    AbrConfig,
    AbrController,
    Decision,
    DownloadProgress,
    StartHint,
    choose_start,
)
from media.assets import Asset, AudioTrack, Segment, SubtitleTrack, VideoRendition
from media.dash import build_mpd
from media.errors import FFmpegError, InputError, MediaError
from media.ladder import DEFAULT_LADDER, Rendition, ladder_for_source, load_ladder
from media.package import PackageOptions
from media.pipeline import package_asset, package_sync
from media.playlists import (
    build_audio_playlist,
    build_master,
    build_media_playlist,
    build_subtitle_playlist,
)
from media.probe import probe
from media.rates import expected_kbps
from media.samples import SAMPLES, build_samples, default_data_dir
from media.testcard import make_testcard
from media.validate import Finding, validate_asset

__all__ = [
    "DEFAULT_LADDER",
    "DEFAULT_RULE",
    "RULES",
    "SAMPLES",
    "AbrConfig",
    "AbrController",
    "Asset",
    "AudioTrack",
    "Decision",
    "DownloadProgress",
    "FFmpegError",
    "Finding",
    "InputError",
    "MediaError",
    "PackageOptions",
    "Rendition",
    "Segment",
    "StartHint",
    "SubtitleTrack",
    "VideoRendition",
    "build_audio_playlist",
    "build_master",
    "build_media_playlist",
    "build_mpd",
    "build_samples",
    "build_subtitle_playlist",
    "choose_start",
    "default_data_dir",
    "expected_kbps",
    "ladder_for_source",
    "load_ladder",
    "make_testcard",
    "package_asset",
    "package_sync",
    "probe",
    "validate_asset",
]
