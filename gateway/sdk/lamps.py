"""Lamp bits to a vehicle indication: the rule every signal protocol that reports red, yellow
and green per phase (NTCIP phaseStatusGroup, Modbus register maps) shares."""

from __future__ import annotations

from gateway.model import VehicleIndication

__all__ = ["bit", "vehicle_indication"]


def bit(mask: int, number: int) -> bool:
    """Member `number` (1-based) of a bitmask: bit 0 is member 1."""
    return bool(mask >> (number - 1) & 1)


def vehicle_indication(red: bool, yellow: bool, green: bool, flashing: bool,
                       remembered: VehicleIndication | None) -> VehicleIndication:
    """In flash the lamps blink, so a poll may catch them dark: keep the colour last seen lit."""
    if flashing:
        if green:
            return VehicleIndication.GREEN_FLASH
        if yellow:
            return VehicleIndication.YELLOW_FLASH
        if red:
            return VehicleIndication.RED_FLASH
        return remembered or VehicleIndication.RED_FLASH
    if red and yellow:
        return VehicleIndication.RED_YELLOW
    if green:
        return VehicleIndication.GREEN
    if yellow:
        return VehicleIndication.YELLOW
    if red:
        return VehicleIndication.RED
    return VehicleIndication.DARK
