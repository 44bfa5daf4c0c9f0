"""Byte-identical OOXML packages (.docx, .xlsx): fixed member timestamps, order and compression."""

from __future__ import annotations

import io
import zipfile

# Zip member timestamp (the earliest a zip can hold) and fixed compression.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_COMPRESSION = zipfile.ZIP_DEFLATED
ZIP_LEVEL = 6


def deterministic_zip(data: bytes) -> bytes:
    """The same OOXML package with fixed member timestamps, order and compression.

    [Content_Types].xml first and _rels/.rels second (what Office writes and some readers
    expect), then the other members sorted by name.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = {info.filename: src.read(info) for info in src.infolist()}
    first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in members]
    order = first + sorted(n for n in members if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = ZIP_COMPRESSION
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, members[name], compress_type=ZIP_COMPRESSION, compresslevel=ZIP_LEVEL)
    return out.getvalue()
