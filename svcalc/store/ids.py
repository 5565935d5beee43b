"""Time-ordered ids for saved appraisals: ULIDs (https://github.com/ulid/spec).

26 characters of Crockford base32: 48 bits of Unix milliseconds, then 80 random bits. Ids sort as
text in the order they were made, so a page of "newest first" is one index range scan from a
cursor (the last id seen), and a date filter is an id range: no second index on the time.

>>> from datetime import datetime, UTC
>>> floor_id(datetime(2026, 12, 2, tzinfo=UTC))
'01M8T0T3000000000000000000'
>>> len(new_id(datetime(2026, 12, 2, tzinfo=UTC))), ID_PATTERN.fullmatch(new_id()) is not None
(26, True)
>>> moment(floor_id(datetime(2026, 12, 2, 9, 30, tzinfo=UTC))).isoformat()
'2026-12-02T09:30:00+00:00'
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: A well-formed id: anything else is not an id svcalc made, so it is not found.
ID_PATTERN = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
ID_LENGTH = 26
_RANDOM_BITS = 80


def _encode(value: int) -> str:
    chars = []
    for _ in range(ID_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def new_id(when: datetime | None = None) -> str:
    """A fresh id for something made at ``when`` (now by default)."""
    when = when or datetime.now(UTC)
    return _encode((_millis(when) << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS))


def floor_id(when: datetime) -> str:
    """The smallest id made at or after ``when``: ``id >= floor_id(t)`` means "made at or after
    t"."""
    return _encode(max(0, _millis(when)) << _RANDOM_BITS)


def moment(id_: str) -> datetime:
    """When the id was made, to the millisecond."""
    value = 0
    for char in id_:
        value = value * 32 + ALPHABET.index(char)
    return datetime.fromtimestamp((value >> _RANDOM_BITS) / 1000, UTC)
