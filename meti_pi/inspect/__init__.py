"""Inspections, audits and reviews (規程 Arts. 41-43) and the Art. 41 checklist."""
