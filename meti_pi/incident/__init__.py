"""Incidents (規程 Arts. 39, 40): assessment, deadlines and the drafts of reports."""
