"""Access tokens: JWTs signed with HS256 and `LEDGER_JWT_KEY` (PyJWT).

A token names the user (`sub`) and nothing else of theirs: the role and organization are
read from the database at every request, so a role change applies at once. Claims:
`sub`, `iat`, `exp` (`TOKEN_MINUTES` later), `iss` and `aud`. Verification accepts only
HS256 (never `alg: none` nor another algorithm), requires every claim and checks the
signature, the expiry, the issuer and the audience.
"""
from __future__ import annotations

import time

import jwt

ALGORITHM = "HS256"
ISSUER = "agent-activity-ledger"
AUDIENCE = "ledger-api"
REQUIRED_CLAIMS = ["sub", "iat", "exp", "iss", "aud"]


class InvalidToken(Exception):
    """The token cannot be used; the message says why (expired, bad signature...)."""


def issue(key: str, username: str, minutes: int, *, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    claims = {"sub": username, "iat": issued, "exp": issued + minutes * 60, "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def username_of(key: str, token: str) -> str:
    """The username a valid token was issued to; `InvalidToken` otherwise."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            options={"require": REQUIRED_CLAIMS})
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the access token has expired; ask POST /api/v1/auth/token for a new one") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("the access token's signature is not valid") from None
    except jwt.InvalidAlgorithmError:
        raise InvalidToken(f"the access token must be signed with {ALGORITHM}") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("the access token is not valid") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the access token names no user")
    return subject
