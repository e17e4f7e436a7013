"""UN/LOCODE: the five-character codes of trade locations (CNSHA Shanghai, DEHAM Hamburg).

Two letters of the ISO 3166 country, then three of the place, letters or the digits 2-9
(UNECE Recommendation 16). DCSA's schema only limits the length, so this checks the form.
"""

from __future__ import annotations

import re

LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
NONE = b"\x00" * 5


def parse_locode(value: str | bytes | None, what: str = "a location") -> bytes:
    """`"CNSHA"` (any case, spaces ignored) -> b"CNSHA"; None or "" -> five zero bytes.
    ValueError, naming `what`, for anything that is not a UN/LOCODE."""
    if value is None or value in ("", b"", NONE):
        return NONE
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    code = text.strip().upper().replace(" ", "")
    if not LOCODE.match(code):
        raise ValueError(
            f"{what} is a UN/LOCODE (two letters of the country, three of the place, "
            f"such as CNSHA or DEHAM), not {text!r}"
        )
    return code.encode()


def locode_text(raw: bytes | str | None) -> str:
    """b"CNSHA" -> "CNSHA"; zero bytes or None -> ""."""
    if not raw:
        return ""
    if isinstance(raw, str):
        return raw
    return bytes(raw).decode(errors="replace") if any(raw) else ""
