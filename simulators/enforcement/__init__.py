"""Enforcement-camera simulators: one violation generator over the shared signal timing engine,
behind a Hikvision ITC face (HTTP-host push, ISAPI alert stream) and a Dahua ITC face (attach
stream, snapshot.cgi)."""
