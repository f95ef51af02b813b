"""OTT Lowband media pipeline: packaging (HLS TS + DASH), playlists, ads documents, probing and validation.

Import is light: nothing here runs ffmpeg.
"""

from media.abr import (
    DEFAULT_RULE,
    ECT_TABLE,
    RULES,
    AbrConfig,
    AbrController,
    Decision,
    DownloadProgress,
    StartHint,
    ThroughputEstimator,
    choose_start,
    fmt_kbps,
    insufficient_buffer_rule,
    throughput_rule,
)
from media.abr_sim import Playback
from media.ads import (
    AD_QUARTILES,
    BREAK_ORDER,
    AdBreak,
    AdCreative,
    AdFormatError,
    parse_timecode,
    parse_vast,
    parse_vmap,
)
from media.assets import Asset, AudioTrack, Segment, SubtitleTrack, VideoRendition
from media.dash import build_mpd, segment_files
from media.errors import FFmpegError, InputError, MediaError
from media.ladder import DEFAULT_LADDER, Rendition, ladder_for_source, load_ladder
from media.mpv_options import CLIENT_ABR_READAHEAD_S, python_mpv_kwargs, readahead_s, streaming_options
from media.mpv_options import cli_args as mpv_cli_args
from media.package import POSTER_FILE, THUMB_FILE, PackageOptions
from media.pipeline import package_asset, package_sync
from media.playlists import (
    PlaylistError,
    PlaylistSegment,
    SegmentTiming,
    Variant,
    build_audio_playlist,
    build_master,
    build_media_playlist,
    build_subtitle_playlist,
    parse_master,
    parse_media,
    segment_timing,
    variant_bandwidth,
)
from media.probe import probe
from media.rates import expected_kbps
from media.samples import SAMPLES, build_samples, default_data_dir
from media.testcard import make_testcard
from media.validate import Finding, validate_asset
from media.xmlout import tostring_default_ns

__all__ = [
    "AD_QUARTILES",
    "BREAK_ORDER",
    "CLIENT_ABR_READAHEAD_S",
    "DEFAULT_LADDER",
    "DEFAULT_RULE",
    "ECT_TABLE",
    "POSTER_FILE",
    "RULES",
    "SAMPLES",
    "THUMB_FILE",
    "AbrConfig",
    "AbrController",
    "AdBreak",
    "AdCreative",
    "AdFormatError",
    "Asset",
    "AudioTrack",
    "Decision",
    "DownloadProgress",
    "FFmpegError",
    "Finding",
    "InputError",
    "MediaError",
    "PackageOptions",
    "Playback",
    "PlaylistError",
    "PlaylistSegment",
    "Rendition",
    "Segment",
    "SegmentTiming",
    "StartHint",
    "SubtitleTrack",
    "ThroughputEstimator",
    "Variant",
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
    "fmt_kbps",
    "insufficient_buffer_rule",
    "ladder_for_source",
    "load_ladder",
    "make_testcard",
    "mpv_cli_args",
    "package_asset",
    "package_sync",
    "parse_master",
    "parse_media",
    "parse_timecode",
    "parse_vast",
    "parse_vmap",
    "probe",
    "python_mpv_kwargs",
    "readahead_s",
    "segment_files",
    "segment_timing",
    "streaming_options",
    "throughput_rule",
    "tostring_default_ns",
    "validate_asset",
    "variant_bandwidth",
]
