"""Hikvision ITC / ANPR enforcement cameras: HTTP-host push receiver and ISAPI alert stream."""
