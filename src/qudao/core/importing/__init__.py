"""Import machinery: TOML mappings, tolerant readers, row validation, atomic upserts.

Master data uses it now; the fact import reuses the mapping, the readers and
the error report.
"""
