"""HTTP helpers shared by camera adapters (and their simulators): protocol-neutral, no vendor.

- `client.HttpDevice`: one device's session with digest/basic auth, Junction errors, progress.
- `multipart.MultipartSplitter`: a resynchronizing splitter for never-ending multipart streams.
- `stream.iter_parts`: a multipart event stream with a silence watchdog; `Backoff` for retries.
- `camera.HttpCamera`: the base of an HTTP camera adapter (client, health level, presets).
- `events.EventStream`: keeps a camera's event stream open and feeds an `AlarmTracker`.
- `digest.DigestVerifier`: the server half of digest auth (simulators, push receivers).
"""

from gateway.sdk.http.camera import HttpCamera, device_client, url_host
from gateway.sdk.http.client import AuthMode, HttpDevice, HttpReply, Progress
from gateway.sdk.http.digest import DigestVerifier, Verdict, check_basic, parse_auth_params
from gateway.sdk.http.events import AlarmTracker, EventStream
from gateway.sdk.http.multipart import (
    MultipartSplitter,
    Part,
    PartError,
    boundary_from_content_type,
)
from gateway.sdk.http.stream import Backoff, iter_parts

__all__ = [
    "AuthMode", "HttpDevice", "HttpReply", "Progress",
    "DigestVerifier", "Verdict", "check_basic", "parse_auth_params",
    "MultipartSplitter", "Part", "PartError", "boundary_from_content_type",
    "Backoff", "iter_parts", "AlarmTracker", "EventStream", "HttpCamera", "device_client",
    "url_host",
]
