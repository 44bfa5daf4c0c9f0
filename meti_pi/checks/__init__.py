"""Whole-register views: validation of every record and cross-record rules, CI formats, the due list."""
