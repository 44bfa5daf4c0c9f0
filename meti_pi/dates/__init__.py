"""Dates: the Japanese calendar (holidays, deadlines) and 和暦."""
