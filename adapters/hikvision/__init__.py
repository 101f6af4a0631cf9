"""Hikvision cameras over ISAPI (HTTP + XML, digest auth, alert stream)."""
