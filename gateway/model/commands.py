"""Sanctioned commands: names and argument shapes are part of the external contract."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CommandName", "SetPatternArgs", "SetModeArgs", "NoArgs", "PtzMoveArgs", "GotoPresetArgs",
    "COMMAND_ARGS", "Command", "CommandOutcome",
]


class CommandName(StrEnum):
    SET_PATTERN = "set_pattern"
    SET_MODE = "set_mode"
    RELEASE = "release"
    PTZ_MOVE = "ptz_move"
    PTZ_STOP = "ptz_stop"
    GOTO_PRESET = "goto_preset"


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SetPatternArgs(_Args):
    pattern: int = Field(ge=1, le=253, description="pattern/plan number")


class SetModeArgs(_Args):
    mode: Literal["free", "flash", "all_red", "local"]


class NoArgs(_Args):
    pass


class PtzMoveArgs(_Args):
    pan: float = Field(ge=-1, le=1)
    tilt: float = Field(ge=-1, le=1)
    zoom: float = Field(default=0, ge=-1, le=1)


class GotoPresetArgs(_Args):
    preset: str = Field(min_length=1, max_length=64)


COMMAND_ARGS: dict[CommandName, type[_Args]] = {
    CommandName.SET_PATTERN: SetPatternArgs,
    CommandName.SET_MODE: SetModeArgs,
    CommandName.RELEASE: NoArgs,
    CommandName.PTZ_MOVE: PtzMoveArgs,
    CommandName.PTZ_STOP: NoArgs,
    CommandName.GOTO_PRESET: GotoPresetArgs,
}


class Command(BaseModel):
    """A validated command as adapters receive it."""

    model_config = ConfigDict(frozen=True)

    name: CommandName
    args: dict[str, Any] = Field(default_factory=dict)


class CommandOutcome(BaseModel):
    """What the API answers and the audit log keeps."""

    id: int | None = None
    device: str
    command: str
    args: dict[str, Any] = Field(default_factory=dict)
    outcome: Literal["accepted", "rejected", "invalid", "failed", "unauthorized", "forbidden"]
    message: str
    actor: str | None = None
    at: datetime
    detail: dict[str, Any] = Field(default_factory=dict)
