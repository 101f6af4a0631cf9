"""The simulator is a real ONVIF device to an independent client: onvif-zeep-async (zeep with
the official ONVIF WSDLs it bundles) talks to it as it would to a camera.

onvif-zeep-async bundles no Media2 WSDL, so Media2 is covered by the adapter tests only.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import zeep.exceptions

from simulators.camera.model import AlarmKind
from tests.adapters.onvif.sims import PASSWORD, USER, camera

_root = logging.getLogger()
_handlers, _level = list(_root.handlers), _root.level
onvif = pytest.importorskip("onvif")
# onvif-zeep-async calls logging.basicConfig(level=INFO) on import: undo it for the session
for _handler in [h for h in _root.handlers if h not in _handlers]:
    _root.removeHandler(_handler)
_root.setLevel(_level)


async def _client(port: int, *, adjust_time: bool = True) -> onvif.ONVIFCamera:
    cam = onvif.ONVIFCamera("127.0.0.1", port, USER, PASSWORD, no_cache=True,
                            adjust_time=adjust_time)
    await cam.update_xaddrs()
    return cam


async def test_device_media_and_ptz_through_zeep() -> None:
    async with camera(auth="wsse") as sim:
        client = await _client(sim.port)
        try:
            assert "http://www.onvif.org/ver20/media/wsdl" in client.xaddrs
            devicemgmt = await client.create_devicemgmt_service()
            info = await devicemgmt.GetDeviceInformation()
            assert (info.Manufacturer, info.SerialNumber) == ("Junction", "SN1001")
            media = await client.create_media_service()
            profiles = await media.GetProfiles()
            # Media v1 cannot describe H.265: only the H.264 sub stream is listed there
            assert [p.token for p in profiles] == ["sub"]
            encoder = profiles[0].VideoEncoderConfiguration
            assert (encoder.Encoding, encoder.Resolution.Width) == ("H264", 640)
            uri = await media.GetStreamUri({
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                "ProfileToken": "sub"})
            assert uri.Uri.startswith("rtsp://127.0.0.1:554/")
            ptz = await client.create_ptz_service()
            await ptz.ContinuousMove({"ProfileToken": "sub",
                                      "Velocity": {"PanTilt": {"x": 1.0, "y": 0.0},
                                                   "Zoom": {"x": 0.0}}})
            status = await ptz.GetStatus({"ProfileToken": "sub"})
            assert status.MoveStatus.PanTilt == "MOVING"
            await ptz.Stop({"ProfileToken": "sub"})
            assert not sim.model.moving and sim.model.ptz.pan > 0
            presets = await ptz.GetPresets({"ProfileToken": "sub"})
            assert [(p.token, p.Name) for p in presets][:2] == [("1", "home"),
                                                                 ("2", "intersection")]
            await ptz.GotoPreset({"ProfileToken": "sub", "PresetToken": "2"})
            assert sim.model.ptz.pan == sim.model.presets["intersection"].pan
            with pytest.raises(zeep.exceptions.Fault):
                await ptz.GotoPreset({"ProfileToken": "sub", "PresetToken": "99"})
        finally:
            await client.close()


async def test_pull_point_lifecycle_through_zeep() -> None:
    async with camera(auth="both") as sim:
        client = await _client(sim.port)
        try:
            events = await client.create_events_service()
            result = await events.CreatePullPointSubscription({"InitialTerminationTime": "PT30S"})
            address = result.SubscriptionReference.Address._value_1
            assert (result.TerminationTime - result.CurrentTime).total_seconds() == \
                pytest.approx(30, abs=1)
            client.xaddrs["http://www.onvif.org/ver10/events/wsdl/PullPointSubscription"] = \
                address
            manager = await client.create_subscription_service("PullPointSubscription")
            pullpoint = await client.create_pullpoint_service()
            first = await pullpoint.PullMessages({"Timeout": dt.timedelta(seconds=1),
                                                  "MessageLimit": 10})
            assert len(first.NotificationMessage) == 3  # Initialized: motion, tamper, loss
            sim.model.set_alarm(AlarmKind.MOTION, True)
            second = await pullpoint.PullMessages({"Timeout": dt.timedelta(seconds=2),
                                                   "MessageLimit": 10})
            message = second.NotificationMessage[0]
            assert message.Topic._value_1 == "tns1:RuleEngine/CellMotionDetector/Motion"
            data = message.Message._value_1.Data.SimpleItem[0]
            assert (data.Name, data.Value) == ("IsMotion", "true")
            renewed = await manager.Renew({"TerminationTime": "PT20S"})
            assert (renewed.TerminationTime - renewed.CurrentTime).total_seconds() == \
                pytest.approx(20, abs=1)
            await manager.Unsubscribe()
            assert sim.active_subscriptions() == []
            assert sim.pullpoints.counts["unsubscribed"] == 1
        finally:
            await client.close()


async def test_skewed_clock_needs_the_time_correction() -> None:
    """+7 s on a UsernameToken-only camera: zeep's own clock correction passes, and without
    it the simulator refuses exactly as field cameras do (ter:NotAuthorized)."""
    async with camera(auth="wsse") as sim:
        sim.set_clock_offset(7.0)
        good = await _client(sim.port)
        try:
            devicemgmt = await good.create_devicemgmt_service()
            assert (await devicemgmt.GetDeviceInformation()).Model == "SimCam-PTZ"
        finally:
            await good.close()
        bad = await _client(sim.port, adjust_time=False)
        try:
            devicemgmt = await bad.create_devicemgmt_service()
            with pytest.raises(zeep.exceptions.Fault) as info:
                await devicemgmt.GetDeviceInformation()
            assert "NotAuthorized" in str(info.value.subcodes) or \
                "not Authorized" in str(info.value.message)
        finally:
            await bad.close()
