"""Owner tokens and room codes: made here, and only a hash of a token is ever kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Room codes are read off a projector and typed on phones: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
ROOM_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
ROOM_CODE_LENGTH = 6  # 25^6 = 244 million codes


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_session_id() -> str:
    return secrets.token_urlsafe(9)


def new_room_code() -> str:
    return "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_CODE_LENGTH))


def normalize_room_code(code: str) -> str:
    """What someone typed, as a code: upper case, no spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    return bool(token) and hmac.compare_digest(token_hash(token).encode(), stored_hash.encode())
