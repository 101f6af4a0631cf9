"""Persistence behind one interface: SQLite (WAL) embedded now, PostgreSQL later."""

from gateway.store.base import Store
from gateway.store.sqlite import SqliteStore

__all__ = ["Store", "SqliteStore"]
