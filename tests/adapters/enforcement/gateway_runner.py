"""Run a gateway (with the enforcement adapters in its catalog) from a config file until SIGTERM,
for tests that must kill -9 a real gateway process:
`python -m tests.adapters.enforcement.gateway_runner CONFIG`. Prints `READY <api port>` once the
API listens. (Once the lead registers the entry points, `junction serve --config` does the same.)
"""

from __future__ import annotations

import asyncio
import logging
import sys

from gateway.adapters import AdapterCatalog
from gateway.config import load_config
from gateway.northbound.config import NorthboundHandle
from gateway.runner import serve_until_signal
from gateway.service import Gateway
from tests.adapters.enforcement.enf_harness import with_enforcement_adapters


async def main(path: str) -> None:
    catalog = with_enforcement_adapters(AdapterCatalog.discover())
    loaded = load_config(path, catalog)
    gateway = Gateway(loaded, catalog)

    def ready(port: int, northbound: NorthboundHandle) -> None:
        print(f"READY {port}", flush=True)

    api = loaded.config.api
    await serve_until_signal(gateway, api.host, api.port, on_ready=ready)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(main(sys.argv[1]))
