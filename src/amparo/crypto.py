"""Field encryption and keyed hashes, from one master key (``AMPARO_SECRET_KEY``).

* Personal data is sealed with AES-256-GCM. The stored form is ``v1.<key id>.<base64>``: the key
  id says which key sealed it, so old keys can still open it after a rotation, and
  ``amparo admin rotate-key`` re-seals everything under the current key. The column name is bound
  as associated data, so a ciphertext copied into another column does not open.
* Values that must be found by equality (an e-mail at log-in, an indicator) are stored as an
  HMAC-SHA256 "blind index" of their normalised form, never in the clear and never as a plain
  hash (a plain hash of a phone number is reversed by hashing every number).

Sub-keys are derived with HKDF so that encryption, indexing and cookie signing never share a key.
Pure: no database, no settings import.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from amparo.errors import ConfigurationError

_FORMAT = "v1"
_NONCE_BYTES = 12


def _derive(master: str, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"amparo-hkdf-salt-v1", info=purpose
    ).derive(master.encode("utf-8"))


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM
    raw: bytes = field(repr=False)


class DecryptionError(ConfigurationError):
    """A stored value could not be opened with any configured key."""


@dataclass(frozen=True)
class Keyring:
    """The current key (seals) and the previous ones (only open)."""

    current: _Key
    previous: tuple[_Key, ...]
    index_key: bytes = field(repr=False)
    signing_key: bytes = field(repr=False)

    @classmethod
    def from_secrets(cls, current: str, previous: Sequence[str] = ()) -> Keyring:
        def make(secret: str) -> _Key:
            key_id = _derive(secret, b"amparo/key-id/v1").hex()[:8]
            raw = _derive(secret, b"amparo/field-encryption/v1")
            return _Key(key_id, AESGCM(raw), raw)

        return cls(
            current=make(current),
            previous=tuple(make(s) for s in previous if s != current),
            index_key=_derive(current, b"amparo/blind-index/v1"),
            signing_key=_derive(current, b"amparo/signing/v1"),
        )

    @property
    def current_key_id(self) -> str:
        return self.current.key_id

    def sealing_keys(self) -> SealingKeys:
        """What a helper process needs to seal values and compute blind indexes, and nothing
        more: it cannot open what older keys sealed, nor sign."""
        return SealingKeys(self.current.key_id, self.current.raw, self.index_key)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self.current.aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{_FORMAT}.{self.current.key_id}.{payload}"

    def decrypt(self, stored: str, *, context: str) -> str:
        try:
            version, key_id, payload = stored.split(".", 2)
            raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        except (ValueError, binascii.Error) as exc:
            raise DecryptionError("A stored value is not in the encrypted format.") from exc
        if version != _FORMAT:
            raise DecryptionError("A stored value uses an unknown encryption format.")
        for key in (self.current, *self.previous):
            if key.key_id == key_id:
                try:
                    return key.aead.decrypt(
                        raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()
                    ).decode("utf-8")
                except InvalidTag as exc:
                    raise DecryptionError("A stored value failed its integrity check.") from exc
        raise DecryptionError(
            "A stored value was encrypted with a key that is not configured "
            "(add it to AMPARO_OLD_SECRET_KEYS)."
        )

    @staticmethod
    def key_id_of(stored: str) -> str | None:
        parts = stored.split(".", 2)
        return parts[1] if len(parts) == 3 else None

    def blind_index(self, normalised_value: str, *, kind: str) -> str:
        """HMAC-SHA256 of a normalised value, namespaced by kind, as hex."""
        message = kind.encode() + b"\x00" + normalised_value.encode("utf-8")
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return hmac.new(self.signing_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SealingKeys:
    """Picklable: sent to the processes that prepare a bulk import (``Keyring.sealing_keys``)."""

    key_id: str
    field_key: bytes = field(repr=False)
    index_key: bytes = field(repr=False)

    def keyring(self) -> Keyring:
        return Keyring(
            current=_Key(self.key_id, AESGCM(self.field_key), self.field_key),
            previous=(),
            index_key=self.index_key,
            # A helper never signs; a random key makes anything it signed worthless.
            signing_key=os.urandom(32),
        )


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy random token (API tokens, session ids, one-time links).

    A keyed hash is not needed for 256-bit random values, and a plain hash survives key rotation.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_active: Keyring | None = None


def set_active_keyring(keyring: Keyring) -> None:
    """Install the keyring that encrypted columns use (done by the engine factory)."""
    global _active
    _active = keyring


def active_keyring() -> Keyring:
    if _active is None:
        raise ConfigurationError("Field encryption is used before a keyring was configured.")
    return _active
