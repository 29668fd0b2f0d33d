"""Slow salted hashes of secrets (voter codes, the staff passcode), in one storable format.

A secret is kept only as ``scrypt$n=16384,r=8,p=1$SALT$DIGEST`` (salt and digest in base64):
the parameters travel with the hash, so they can be raised later without breaking the hashes
already stored. The staff passcode was once written as ``scrypt$16384$8$1$SALT$DIGEST``; such
a file still verifies (read both, write one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

log = logging.getLogger(__name__)

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # ~16 MiB and tens of ms per check
# A tampered hash must not make a check hog memory or time.
_LIMITS = {"n": 2**20, "r": 32, "p": 16}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_secret(text: str) -> str:
    """A slow salted hash of ``text``, with its parameters, as one storable string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(text.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    params = ",".join(f"{k}={v}" for k, v in _SCRYPT.items())
    return f"scrypt${params}${_b64(salt)}${_b64(digest)}"


def _parse(stored: str) -> tuple[dict[str, int], bytes, bytes]:
    """Parameters, salt and digest of a stored hash; ValueError if it is not one."""
    fields = stored.strip().split("$")
    if len(fields) == 6:  # the staff passcode's first format: scrypt$N$R$P$SALT$DIGEST
        scheme, n, r, p, salt_text, digest_text = fields
        params = {"n": int(n), "r": int(r), "p": int(p)}
    elif len(fields) == 4:
        scheme, params_text, salt_text, digest_text = fields
        params = {k: int(v) for k, v in (p.split("=") for p in params_text.split(","))}
    else:
        raise ValueError("not a scrypt hash")
    if scheme != "scrypt" or set(params) != set(_LIMITS) or any(
            not 0 < params[k] <= limit for k, limit in _LIMITS.items()):
        raise ValueError("unsupported parameters")
    salt, digest = base64.b64decode(salt_text), base64.b64decode(digest_text)
    if len(digest) < 16:
        raise ValueError("digest too short")
    return params, salt, digest


def verify_secret(text: str, stored: str) -> bool:
    """True if ``text`` is the secret ``stored`` was made from; compares in constant time.

    A malformed stored hash matches nothing (and is logged, never the secret).
    """
    try:
        params, salt, digest = _parse(stored)
        # scrypt refuses some parameters itself (an n that is no power of two).
        candidate = hashlib.scrypt(text.encode("utf-8"), salt=salt, dklen=len(digest), **params)
    except ValueError:
        log.warning("a stored secret hash is malformed; treating it as no match")
        return False
    return hmac.compare_digest(candidate, digest)
