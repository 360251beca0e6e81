"""Crypto wallets, checksums validated: Bitcoin (Base58Check P2PKH/P2SH and Bech32/Bech32m
SegWit), Tron (Base58Check, the network of most USDT demands) and Ethereum (EIP-55)."""

from __future__ import annotations

import re

import base58
import bech32
from Crypto.Hash import keccak

BTC_BASE58 = re.compile(r"(?<![A-Za-z0-9])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![A-Za-z0-9])")
BTC_BECH32 = re.compile(
    r"(?<![A-Za-z0-9])(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}(?![A-Za-z0-9])"
)
TRON = re.compile(r"(?<![A-Za-z0-9])T[1-9A-HJ-NP-Za-km-z]{33}(?![A-Za-z0-9])")
ETH = re.compile(r"(?<![A-Za-z0-9])0x[0-9a-fA-F]{40}(?![A-Za-z0-9])")


def _base58_version(address: str) -> int | None:
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return None
    return payload[0] if len(payload) == 21 else None


def is_btc(address: str) -> bool:
    if address[:3].lower() == "bc1":
        lowered = address.lower()
        if address != lowered and address != address.upper():
            return False  # Bech32 is never mixed case
        version, program = bech32.decode("bc", lowered)
        return version is not None and program is not None
    return _base58_version(address) in (0x00, 0x05)


def canonical_btc(address: str) -> str:
    return address.lower() if address[:3].lower() == "bc1" else address


def is_tron(address: str) -> bool:
    return _base58_version(address) == 0x41


def is_eth(address: str) -> bool:
    """All lower or all upper case carries no checksum; mixed case must match EIP-55."""
    hex_part = address[2:]
    if hex_part == hex_part.lower() or hex_part == hex_part.upper():
        return True
    return eip55(hex_part.lower()) == hex_part


def eip55(hex_lower: str) -> str:
    digest = keccak.new(digest_bits=256, data=hex_lower.encode()).hexdigest()
    return "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_lower)
    )
