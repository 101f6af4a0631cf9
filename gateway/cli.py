"""The `junction` command: demo, serve, check-config, adapters."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Coroutine
from typing import Any

from gateway import eventloop
from gateway.adapters import AdapterCatalog
from gateway.config import load_config
from gateway.northbound.config import NorthboundHandle
from gateway.sdk.errors import JunctionError
from gateway.yamlsource import YamlFileError

__all__ = ["main"]


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _run(main: Coroutine[Any, Any, None], loop: str) -> int:
    """Run the service; a startup problem (port in use, bad setting) is one line, not a
    traceback."""
    try:
        eventloop.loop_factory(loop)
    except RuntimeError as err:  # uvloop asked for but not installed
        main.close()
        print(f"junction: {err}", file=sys.stderr)
        return 2
    try:
        eventloop.run(main, loop)
    except (JunctionError, OSError) as err:
        print(f"junction: {err}", file=sys.stderr)
        return 2
    return 0


def _addr(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


def cmd_demo(args: argparse.Namespace) -> int:
    from gateway.demo import run_demo

    return _run(run_demo(args.port, args.operator_token, args.store,
                         ntcip_port=args.ntcip_port, gat1049_port=args.gat1049_port),
                args.loop)


def cmd_serve(args: argparse.Namespace) -> int:
    from gateway.runner import serve_until_signal
    from gateway.service import Gateway

    catalog = AdapterCatalog.discover()
    try:
        loaded = load_config(args.config, catalog)
    except YamlFileError as err:
        for e in err.errors:
            print(e, file=sys.stderr)
        return 2
    gateway = Gateway(loaded, catalog, config_path=args.config,
                      watch_interval_s=args.reload_interval)
    api = loaded.config.api

    def ready(port: int, northbound: NorthboundHandle) -> None:
        print(f"Junction serving {len(loaded.config.devices)} devices at "
              f"http://{api.host}:{port}", flush=True)
        if northbound.ntcip_address:
            print(f"  NTCIP 1202 agent (SNMP/UDP) at {_addr(northbound.ntcip_address)}")
        if northbound.gat1049_address:
            print(f"  GA/T 1049 server (TCP) at {_addr(northbound.gat1049_address)}",
                  flush=True)

    return _run(serve_until_signal(gateway, api.host, api.port, on_ready=ready), args.loop)


def cmd_check_config(args: argparse.Namespace) -> int:
    try:
        loaded = load_config(args.config)
    except YamlFileError as err:
        for e in err.errors:
            print(e)
        print(f"{len(err.errors)} error(s)")
        return 1
    print(f"{args.config}: OK ({len(loaded.config.devices)} devices)")
    return 0


def cmd_check_profile(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gateway.profiles import load_profile, profile_id_for

    failed = 0
    for name in args.profiles:
        path = Path(name)
        try:
            profile = load_profile(path, profile_id_for(path))
        except YamlFileError as err:
            for e in err.errors:
                print(e)
            print(f"{path}: {len(err.errors)} error(s)")
            failed += 1
            continue
        print(f"{path}: OK ({profile.id}, adapter {profile.adapter})")
    return 1 if failed else 0


def cmd_profile_schema(args: argparse.Namespace) -> int:
    import json

    from gateway.profiles import profile_schema

    try:
        schema = profile_schema(AdapterCatalog.discover(), args.adapter)
    except KeyError:
        print(f"unknown adapter {args.adapter!r}", file=sys.stderr)
        return 2
    print(json.dumps(schema, indent=2, sort_keys=True))
    return 0


def _packages() -> dict[str, str]:
    """Adapter name -> the installed distribution that declares it ("junction 0.1.0")."""
    from importlib.metadata import entry_points

    from gateway.adapters import ENTRY_POINT_GROUP

    out: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        out.setdefault(ep.name, f"{dist.name} {dist.version}" if dist is not None else "?")
    return out


def cmd_adapters(args: argparse.Namespace) -> int:
    catalog = AdapterCatalog.discover()
    packages = _packages()
    for name, cls in catalog.items():
        info = cls.info
        print(f"{name:12} {info.title}")
        print(f"{'':12} package: {packages.get(name, '?')}")
        print(f"{'':12} protocols: {', '.join(info.protocols)}; kinds: {', '.join(info.kinds)}")
        print(f"{'':12} capabilities: {', '.join(sorted(info.capabilities))}")
        if info.commands:
            print(f"{'':12} commands: {', '.join(sorted(info.commands))}")
    for name, error in catalog.broken.items():
        print(f"{name:12} BROKEN: {error}")
    return 1 if catalog.broken else 0


def cmd_new_adapter(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gateway.scaffold import ScaffoldError, next_steps, scaffold

    root = Path(args.root)
    try:
        written = scaffold(args.name, args.kind, root)
    except ScaffoldError as err:
        print(f"junction new-adapter: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"  created {path.relative_to(root) if path.is_relative_to(root) else path}")
    print(next_steps(args.name))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="junction", description=__doc__)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--loop", choices=eventloop.LOOPS, default="asyncio",
                        help="event loop for demo and serve: asyncio (default; the shortest "
                             "API latency) or uvloop (less CPU per poll)")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="simulated devices + gateway on 127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--operator-token", default=None)
    demo.add_argument("--store", default=None, help="SQLite path (default: a temp dir)")
    demo.add_argument("--ntcip-port", type=int, default=1161,
                      help="northbound NTCIP 1202 agent (UDP); community public@<device-id>")
    demo.add_argument("--gat1049-port", type=int, default=9009,
                      help="northbound GA/T 1049 server (TCP)")
    demo.set_defaults(fn=cmd_demo)
    serve = sub.add_parser("serve", help="run against a config of real devices")
    serve.add_argument("--config", required=True)
    serve.add_argument("--reload-interval", type=float, default=1.0, metavar="S",
                       help="check the config and its profiles for edits every S seconds and "
                            "apply them live (0: only on SIGHUP)")
    serve.set_defaults(fn=cmd_serve)
    check = sub.add_parser("check-config", help="validate a config; every error with its line")
    check.add_argument("config")
    check.set_defaults(fn=cmd_check_config)
    check_profile = sub.add_parser("check-profile",
                                   help="validate profiles; every error with its line")
    check_profile.add_argument("profiles", nargs="+")
    check_profile.set_defaults(fn=cmd_check_profile)
    schema = sub.add_parser("profile-schema", help="print the JSON Schema of an adapter's "
                                                   "profiles")
    schema.add_argument("adapter")
    schema.set_defaults(fn=cmd_profile_schema)
    adapters = sub.add_parser("adapters", help="list installed adapters")
    adapters.set_defaults(fn=cmd_adapters)
    new = sub.add_parser("new-adapter", help="scaffold a new adapter, its simulator and its "
                                             "conformance tests")
    new.add_argument("name", help="the adapter's name (a Python package name: acme_tsc)")
    new.add_argument("--kind", required=True,
                     choices=["signal_controller", "camera", "enforcement_camera"])
    new.add_argument("--root", default=".", help="the repository to write into (default: .)")
    new.set_defaults(fn=cmd_new_adapter)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _logging(args.log_level)
    result: int = args.fn(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
