"""Sealing secret ballots while their poll is open.

A ballot is sealed with AES-GCM under a key derived (HKDF-SHA256) from the installation's
``SECRET_KEY`` and the poll's random salt, with a random nonce, so two equal ballots never seal
to the same bytes and the database alone cannot open them. The sealed payload holds the chosen
options, the weight and the receipt code: never the voter.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE = 12


def new_salt() -> bytes:
    return os.urandom(32)


def _key(salt: bytes | memoryview) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=bytes(salt), info=b"branchwork ballot seal"
    ).derive(settings.SECRET_KEY.encode())


class Sealer:
    """Seals and opens the ballots of one poll (the key is derived once)."""

    def __init__(self, salt: bytes | memoryview, poll_id: int) -> None:
        self._aead = AESGCM(_key(salt))
        self._ad = str(poll_id).encode()  # a sealed ballot opens only for its own poll

    def seal(self, payload: dict[str, Any]) -> bytes:
        nonce = os.urandom(NONCE)
        data = json.dumps(payload, separators=(",", ":")).encode()
        return nonce + self._aead.encrypt(nonce, data, self._ad)

    def open(self, sealed: bytes) -> dict[str, Any]:
        sealed = bytes(sealed)
        data = self._aead.decrypt(sealed[:NONCE], sealed[NONCE:], self._ad)
        value: dict[str, Any] = json.loads(data)
        return value
