"""NTCIP 1202 SNMP agent over the gateway's state cache."""
