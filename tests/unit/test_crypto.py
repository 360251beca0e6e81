from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparo.crypto import DecryptionError, Keyring, token_hash

KEY_A = "a" * 40
KEY_B = "b" * 40


@given(st.text(max_size=500))
def test_encrypt_decrypt_round_trip(value: str) -> None:
    ring = Keyring.from_secrets(KEY_A)
    sealed = ring.encrypt(value, context="t.c")
    assert ring.decrypt(sealed, context="t.c") == value


def test_ciphertext_is_not_the_plaintext_and_differs_each_time() -> None:
    ring = Keyring.from_secrets(KEY_A)
    first, second = (
        ring.encrypt("+52 55 1234 5678", context="t.c"),
        ring.encrypt("+52 55 1234 5678", context="t.c"),
    )
    assert "1234" not in first
    assert first != second


def test_ciphertext_moved_to_another_column_does_not_open() -> None:
    ring = Keyring.from_secrets(KEY_A)
    sealed = ring.encrypt("secret", context="users.email")
    with pytest.raises(DecryptionError, match="integrity"):
        ring.decrypt(sealed, context="users.display_name")


def test_tampered_ciphertext_is_refused() -> None:
    ring = Keyring.from_secrets(KEY_A)
    sealed = ring.encrypt("secret", context="c")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        ring.decrypt(tampered, context="c")


def test_old_key_still_opens_after_rotation_and_unknown_key_is_named() -> None:
    old = Keyring.from_secrets(KEY_A)
    sealed = old.encrypt("secret", context="c")
    rotated = Keyring.from_secrets(KEY_B, [KEY_A])
    assert rotated.decrypt(sealed, context="c") == "secret"
    assert Keyring.key_id_of(sealed) == old.current_key_id != rotated.current_key_id
    with pytest.raises(DecryptionError, match="AMPARO_OLD_SECRET_KEYS"):
        Keyring.from_secrets(KEY_B).decrypt(sealed, context="c")


@pytest.mark.parametrize("garbage", ["", "plain text", "v1.abc", "v2.x.y", "v1.k.!!!"])
def test_garbage_is_refused_with_a_clear_error(garbage: str) -> None:
    with pytest.raises(DecryptionError):
        Keyring.from_secrets(KEY_A).decrypt(garbage, context="c")


def test_blind_index_is_keyed_and_namespaced() -> None:
    a, b = Keyring.from_secrets(KEY_A), Keyring.from_secrets(KEY_B)
    assert a.blind_index("x@y.org", kind="email") == a.blind_index("x@y.org", kind="email")
    assert a.blind_index("x@y.org", kind="email") != b.blind_index("x@y.org", kind="email")
    assert a.blind_index("x@y.org", kind="email") != a.blind_index("x@y.org", kind="phone")


def test_token_hash_is_stable_sha256() -> None:
    assert len(token_hash("amp_x")) == 64
    assert token_hash("amp_x") == token_hash("amp_x") != token_hash("amp_y")
