"""``ott-tui``: the terminal client (``--server URL --profile-net 3g --headless --vo tct``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tui.config import ConfigError, load_config


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="ott-tui", description="OTT Lowband terminal client")
    p.add_argument("--server", help="server URL (remembered), e.g. http://127.0.0.1:8080")
    p.add_argument("--profile-net", dest="net", help="network profile for the player's traffic (e.g. 2g, 3g, off)")
    p.add_argument("--headless", action="store_true", help="no video window: mpv with --vo=null --ao=null")
    p.add_argument("--vo", choices=("auto", "null", "tct", "gpu"), help="mpv video output (tct: text in a terminal)")
    p.add_argument("--config", type=Path, help="config file (default: the user config dir's tui.toml)")
    p.add_argument("--log", type=Path, help="write a debug log here")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the app."""
    args = build_parser().parse_args(argv)
    if args.log:
        logging.basicConfig(filename=args.log, level=logging.DEBUG,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(path=args.config)
        if args.server:
            config.server_url = args.server
        if args.net:
            config.network_profile = args.net
    except (ConfigError, ValueError) as err:
        print(f"ott-tui: {err}", file=sys.stderr)
        return 2
    from tui.app import OttApp

    OttApp(config=config, config_path=args.config, headless=args.headless, vo=args.vo).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
