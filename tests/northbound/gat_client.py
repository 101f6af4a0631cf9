"""A GA/T 1049.1 platform client written for the tests from the message layout alone.

It shares no code with gateway/northbound/gat1049: messages are string templates, parsing is the
standard library's ElementTree, framing is "split on \\r\\n". Layout (reference §4.1):
<Message><Version>2.0</Version><Token/><From><Address><Sys>TICP</Sys>…</Address></From>
<To><Address><Sys>UTCS</Sys>…</Address></To><Type>REQUEST</Type><Seq>20 digits</Seq>
<Body><Operation order="1" name="Get">…</Operation></Body></Message>
"""

from __future__ import annotations

import asyncio
import itertools
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

_counter = itertools.count(1)


def new_seq() -> str:
    return time.strftime("%Y%m%d%H%M%S") + f"{next(_counter) % 1_000_000:06d}"


def message(op_name: str, body: str, *, token: str = "", seq: str | None = None,
            kind: str = "REQUEST") -> bytes:
    seq = seq or new_seq()
    xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
           "<Message><Version>2.0</Version>"
           f"<Token>{escape(token)}</Token>"
           "<From><Address><Sys>TICP</Sys><SubSys></SubSys><Instance></Instance></Address></From>"
           "<To><Address><Sys>UTCS</Sys><SubSys></SubSys><Instance></Instance></Address></To>"
           f"<Type>{kind}</Type><Seq>{seq}</Seq>"
           f"<Body><Operation order=\"1\" name=\"{op_name}\">{body}</Operation></Body></Message>")
    return xml.encode() + b"\r\n"


def text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, f"no {path} in {ET.tostring(element)[:300]!r}"
    return (found.text or "").strip()


def objects(msg: ET.Element) -> list[ET.Element]:
    """The data objects inside the message's (first) Operation."""
    op = msg.find("Body/Operation")
    assert op is not None, ET.tostring(msg)[:300]
    return list(op)


class GatClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.token = ""
        self.pushes: dict[str, asyncio.Queue[ET.Element]] = {}  # object name -> pushed objects
        self.answers: asyncio.Queue[ET.Element] = asyncio.Queue()
        self.raw_frames: list[bytes] = []
        self.closed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, address: tuple[str, int]) -> GatClient:
        reader, writer = await asyncio.open_connection(*address, limit=1_000_000)
        return cls(reader, writer)

    async def _read(self) -> None:
        try:
            while True:
                line = await self.reader.readuntil(b"\r\n")
                self.raw_frames.append(line)
                msg = ET.fromstring(line[:-2])
                if text(msg, "Type") == "PUSH":
                    for item in objects(msg):
                        self.queue(item.tag).put_nowait(item)
                else:
                    await self.answers.put(msg)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed.set()

    async def close(self) -> None:
        self.writer.close()
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self, timeout_s: float = 5.0) -> ET.Element:
        return await asyncio.wait_for(self.answers.get(), timeout_s)

    async def request(self, op_name: str, body: str, *, token: str | None = None,
                      timeout_s: float = 10.0) -> ET.Element:
        seq = new_seq()
        await self.send(message(op_name, body, token=self.token if token is None else token,
                                seq=seq))
        msg = await self.answer(timeout_s)
        assert text(msg, "Seq") == seq, "an answer echoes the request's Seq"
        return msg

    async def login(self, user: str, password: str) -> ET.Element:
        msg = await self.request("Login", f"<SDO_User><UserName>{escape(user)}</UserName>"
                                          f"<Pwd>{escape(password)}</Pwd></SDO_User>", token="")
        if text(msg, "Type") == "RESPONSE":
            self.token = text(msg, "Token")
        return msg

    async def get(self, obj: str, ident: str = "") -> ET.Element:
        return await self.request("Get", f"<TSCCmd><ObjName>{obj}</ObjName><ID>{escape(ident)}"
                                         "</ID><No></No></TSCCmd>")

    async def subscribe(self, obj: str) -> ET.Element:
        return await self.request("Subscribe", "<SDO_MsgEntity><MsgType>PUSH</MsgType>"
                                  f"<OperName>Notify</OperName><ObjName>{obj}</ObjName>"
                                  "</SDO_MsgEntity>")

    async def heartbeat(self) -> ET.Element:
        return await self.request("Notify", "<SDO_HeartBeat/>")

    async def set_mode_plan(self, cross: str, mode: str, plan: int) -> ET.Element:
        return await self.request("Set", f"<CrossModePlan><CrossID>{escape(cross)}</CrossID>"
                                  f"<ControlMode>{mode}</ControlMode><PlanNo>{plan}</PlanNo>"
                                  "</CrossModePlan>")

    def queue(self, obj: str) -> asyncio.Queue[ET.Element]:
        return self.pushes.setdefault(obj, asyncio.Queue())

    async def next_push(self, obj: str, timeout_s: float = 10.0) -> ET.Element:
        """The next pushed object named `obj` (pushes of other objects wait in their queue)."""
        try:
            return await asyncio.wait_for(self.queue(obj).get(), timeout_s)
        except TimeoutError:
            raise AssertionError(f"no {obj} push within {timeout_s} s") from None

    def drain(self, obj: str) -> list[ET.Element]:
        out = []
        while not self.queue(obj).empty():
            out.append(self.queue(obj).get_nowait())
        return out


def error_type(msg: ET.Element) -> str:
    assert text(msg, "Type") == "ERROR", ET.tostring(msg)[:500]
    return text(msg, "Body/Operation/SDO_Error/ErrType")
