"""Locust wiring: ``--ott-*`` options, user-class weights from the mix, the samples file, per-process state.

Imported by ``locustfile.py`` only (it imports gevent through Locust: never import mpv here).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from locust import argument_parser, events, runners
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtest.accounts import SeedError, read_accounts
from loadtest.config import ConfigError, Mix, NetworkPicker, load_mix
from loadtest.samples import SampleFile, make_record
from loadtest.shapes import SHAPES
from loadtest.stages import storm_schedule
from netem_profiles import Schedule, load_schedule

log = logging.getLogger(__name__)

#: Heartbeats (one a second) a worker may miss before the master counts it missing. Locust's 3 ends
#: the whole run when a worker's loop is starved for 3 s (the server and the load tool share the
#: cores): "The last worker went missing, stopping test", logged at INFO, and no samples.
WORKER_HEARTBEAT_LIVENESS = 30
runners.HEARTBEAT_LIVENESS = WORKER_HEARTBEAT_LIVENESS

_locust_default_args = functools.cache(argument_parser.default_args_dict)


def default_args_dict() -> dict[str, Any]:
    """Locust's default options, built once per process (a fresh copy each call).

    A worker handling a ``spawn`` message calls `locust.argument_parser.default_args_dict` once per
    option the master sent (~60), and each call builds Locust's whole argument parser (~7 ms): ~0.5 s
    of CPU per message, with the worker's loop blocked meanwhile (requests in flight get the delay in
    their response times). The master sends one a second to each worker while users spawn, so 400
    users at 20/s cost the two workers ~20 CPU-s. The defaults never change within a process.
    """
    return dict(_locust_default_args())


argument_parser.default_args_dict = default_args_dict


@dataclass
class ProcessState:
    """What one Locust process shares between its users."""

    test_start: float | None = None  # time.monotonic() at test start
    mix: Mix | None = None
    picker: NetworkPicker | None = None
    accounts: list[dict[str, str]] = field(default_factory=list)
    staff: list[dict[str, dict[str, str]]] = field(default_factory=list)
    accounts_read: bool = False
    next_account: int = 0
    next_team: int = 0
    sink: SampleFile | None = None
    buffer: list[dict[str, Any]] = field(default_factory=list)
    worker: bool = False


STATE = ProcessState()


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    group = parser  # Locust's own parser: only it knows include_in_web_ui
    group.add_argument("--ott-mix", default="india", help="network/user mix: a name in loadtest/mixes or a .toml path")
    group.add_argument("--ott-shape", default="steady", choices=sorted(SHAPES), help="load shape")
    group.add_argument("--ott-abr", default="client", choices=("client", "server"),
                       help="client: media.abr on the master playlist; server: the server-steered playlist")
    group.add_argument("--ott-watch", type=float, default=0.0,
                       help="media seconds each viewer fetches per session (0: the whole title)")
    group.add_argument("--ott-max-buffer", type=float, default=None,
                       help="simulated player's buffer (s; default: its player model's read-ahead)")
    group.add_argument("--ott-accounts", default="", help="JSON file of accounts to log in with (ott-load seeds it)")
    group.add_argument("--ott-samples", default="", help="JSON-lines file of raw samples (master/local only)",
                       include_in_web_ui=False)


def options(environment: Environment) -> Any:
    """The parsed options (workers get the master's ``--ott-*`` values when the test starts)."""
    return environment.parsed_options


def mix_for(environment: Environment) -> Mix:
    """The mix named by ``--ott-mix`` (loaded once per process)."""
    if STATE.mix is None:
        STATE.mix = load_mix(options(environment).ott_mix)
    return STATE.mix


def next_network(environment: Environment) -> tuple[str, Schedule]:
    """Network label and schedule for a new user: the mix's next pick, or the storm shape's timeline."""
    opts = options(environment)
    if opts.ott_shape == "storm":
        run_s = float(opts.run_time or 60)
        return "storm-shape", storm_schedule(SHAPES["storm"].stages, run_s=run_s)
    if STATE.picker is None:
        offset = int(getattr(environment.runner, "worker_index", 0) or 0) * 7
        STATE.picker = NetworkPicker(mix_for(environment).networks, offset=offset)
    name = STATE.picker.next()
    return name, load_schedule(name)


def _read_accounts(environment: Environment) -> None:
    path = options(environment).ott_accounts
    if path and not STATE.accounts_read:
        try:
            STATE.accounts, STATE.staff = read_accounts(Path(path))
        except SeedError as err:
            raise ConfigError(str(err)) from err
        STATE.accounts_read = True


def next_staff(environment: Environment) -> dict[str, dict[str, str]] | None:
    """The next seeded CMS team (creator, reviewer, publisher), round robin; None without one."""
    _read_accounts(environment)
    if not STATE.staff:
        return None
    worker = int(getattr(environment.runner, "worker_index", 0) or 0)
    team = STATE.staff[(STATE.next_team + worker) % len(STATE.staff)]
    STATE.next_team += 1
    return team


def next_account(environment: Environment) -> dict[str, str] | None:
    """The next seeded account (round robin), or None when no accounts file was given."""
    _read_accounts(environment)
    if not STATE.accounts:
        return None
    worker = int(getattr(environment.runner, "worker_index", 0) or 0)
    account = STATE.accounts[(STATE.next_account * 13 + worker * 7919) % len(STATE.accounts)]
    STATE.next_account += 1
    return account


def test_clock_start() -> float:
    """``time.monotonic()`` at test start in this process (now, if the test has not started)."""
    return STATE.test_start if STATE.test_start is not None else time.monotonic()


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    STATE.worker = isinstance(runner, WorkerRunner)
    opts = options(environment)
    if not STATE.worker and opts is not None:
        mix = mix_for(environment)
        from loadtest.users import AdViewer, Browser, Editor, Viewer

        for cls in (Viewer, Browser, AdViewer, Editor):
            cls.weight = mix.user_weight(cls.__name__)
        if opts.ott_shape == "storm":  # the storm is about viewers
            Browser.weight = Editor.weight = 0
        if opts.ott_samples:
            STATE.sink = SampleFile(Path(opts.ott_samples))
    if isinstance(runner, MasterRunner):
        environment.events.worker_report.add_listener(_on_worker_report)
    if STATE.worker:
        environment.events.report_to_master.add_listener(_on_report_to_master)


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_: Any) -> None:
    STATE.test_start = time.monotonic()
    STATE.mix = None  # workers: reload with the master's options
    STATE.picker = None


@events.request.add_listener
def _on_request(request_type: str, name: str, response_time: float, response_length: int,
                exception: BaseException | None = None, context: dict[str, Any] | None = None,
                start_time: float | None = None, **_: Any) -> None:
    rec = make_record(request_type=request_type, name=name, response_time=response_time,
                      response_length=response_length, context=context, exception=exception, start_time=start_time)
    if STATE.worker:
        STATE.buffer.append(rec)
    elif STATE.sink is not None:
        STATE.sink.write([rec])


def _on_report_to_master(client_id: str, data: dict[str, Any]) -> None:
    data["ott_samples"], STATE.buffer = STATE.buffer, []


def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    if STATE.sink is not None and data.get("ott_samples"):
        STATE.sink.write(data["ott_samples"])


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    if STATE.sink is not None:
        STATE.sink.close()
        log.info("samples written to %s (pid %d)", STATE.sink.path, os.getpid())
