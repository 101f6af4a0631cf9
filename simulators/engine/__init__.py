"""Shared signal timing engine for the NTCIP, GB/T 20999 and Modbus simulator faces.

Pure Python, no I/O: build a ControllerConfig (or take one from fleet.demo_fleet()), wrap it in a
SignalEngine, call advance(now) and read the status attributes.
"""

from simulators.engine.codes import (
    PATTERN_FLASH,
    PATTERN_FREE,
    DetectorFault,
    Interval,
    LocalFreeStatus,
    OperatingMode,
    Override,
    PedIndication,
    PhaseControl,
    UnitControlStatus,
    UnitFlashStatus,
)
from simulators.engine.config import (
    ControllerConfig,
    DetectorConfig,
    ModuleInfo,
    SiteInfo,
    default_phases,
)
from simulators.engine.fleet import demo_fleet, fleet_of, make_pattern
from simulators.engine.signal import SignalEngine
from simulators.engine.timing import (
    DEFAULT_SEQUENCES,
    SEQ_LAG_LEFTS,
    SEQ_LEAD_LEFTS,
    Pattern,
    PhaseTiming,
    RingSequence,
)

__all__ = [
    "DEFAULT_SEQUENCES",
    "PATTERN_FLASH",
    "PATTERN_FREE",
    "SEQ_LAG_LEFTS",
    "SEQ_LEAD_LEFTS",
    "ControllerConfig",
    "DetectorConfig",
    "DetectorFault",
    "Interval",
    "LocalFreeStatus",
    "ModuleInfo",
    "OperatingMode",
    "Override",
    "Pattern",
    "PedIndication",
    "PhaseControl",
    "PhaseTiming",
    "RingSequence",
    "SignalEngine",
    "SiteInfo",
    "UnitControlStatus",
    "UnitFlashStatus",
    "default_phases",
    "demo_fleet",
    "fleet_of",
    "make_pattern",
]
