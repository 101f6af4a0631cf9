"""Every OID the adapter uses exists in the NTCIP object list with the right instance suffix
(field pitfall 1: public code polls wrong subtrees and scalars that are tables)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from adapters.ntcip import const as C
from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.yamlsource import load_yaml

REPO = Path(__file__).resolve().parents[3]
TSV = REPO / "tests/fixtures/ntcip/ntcip-oids.tsv"
MIB2 = {C.SYS_UPTIME[:-1]: "scalar", C.SYS_DESCR[:-1]: "scalar"}


def objects() -> dict[tuple[int, ...], str]:
    rows = [line for line in TSV.read_text().splitlines() if not line.startswith("#")]
    out = {}
    for row in csv.DictReader(rows, delimiter="\t"):
        out[tuple(int(x) for x in row["oid"].split("."))] = row["notes"]
    return out


def test_scalars_end_in_zero_and_columns_are_table_columns() -> None:
    known = objects()
    scalars = [C.UNIT_BACKUP_TIME, C.UNIT_CONTROL_STATUS, C.UNIT_FLASH_STATUS,
               C.UNIT_ALARM_STATUS_1, C.UNIT_ALARM_STATUS_2, C.SHORT_ALARM_STATUS,
               C.MAX_PATTERNS, C.COORD_PATTERN_STATUS, C.LOCAL_FREE_STATUS,
               C.COORD_CYCLE_STATUS, C.COORD_SYNC_STATUS, C.SYSTEM_PATTERN_CONTROL,
               C.MAX_PREEMPTS, C.GLOBAL_SET_ID, C.GLOBAL_TIME, C.MAX_PHASES,
               C.MAX_PHASE_GROUPS, C.MAX_DETECTORS, C.MAX_DETECTOR_GROUPS]
    for oid in scalars:
        assert oid[-1] == 0 and oid[:-1] in known, oid
        assert "scalar" in known[oid[:-1]], (oid, known[oid[:-1]])
    columns = [C.DETECTOR_ACTIVE, C.DETECTOR_ALARMS, C.PATTERN_CYCLE_TIME,
               C.PATTERN_OFFSET_TIME, C.PREEMPT_STATE, C.MODULE_MAKE, C.MODULE_MODEL,
               C.MODULE_VERSION] + [C.PHASE_STATUS + (col,)
                                    for col in C.PHASE_STATUS_COLUMNS.values()]
    for oid in columns:
        assert oid in known, oid
        assert "scalar" not in known[oid], (oid, known[oid])
    assert C.PHASE_STATUS + (4,) == (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 4)  # Greens


def test_sample_config_and_profiles_load(monkeypatch: pytest.MonkeyPatch) -> None:
    located = load_yaml(REPO / "adapters/ntcip/sample.yaml")
    monkeypatch.setenv("JUNCTION_CTL_MAIN_1ST_COMMUNITY", "sample-community")
    loaded = validate_config(located, AdapterCatalog.discover(), REPO)
    assert loaded.config.devices[0].adapter == "ntcip"
    assert loaded.profiles["ntcip/econolite-cobalt"].port == 501
    assert loaded.options["ctl-main-1st"]["backup_time_s"] == 120
    for path in (REPO / "profiles/ntcip").glob("*.yaml"):
        assert yaml.safe_load(path.read_text())["adapter"] == "ntcip"
