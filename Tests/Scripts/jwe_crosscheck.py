#!/usr/bin/env python3
"""Independent JWE (RFC 7516 flattened JSON) for cross-checking Veil's Swift implementation.

Written from the RFC text with Python's `cryptography` package only (no JOSE library):
ECDH-ES+A256KW (RFC 7518 section 4.6: Concat KDF over SHA-256, AES key wrap RFC 3394) or RSA-OAEP-256
(RFC 7518 section 4.3), content A256GCM with ASCII(BASE64URL(protected)) as AAD (RFC 7516 section 5.1).

Usage (one JSON object on stdin, one on stdout):
  jwe_crosscheck.py seal   {"jwk": <public JWK>, "plaintext": b64url}          -> <flattened JWE>
  jwe_crosscheck.py open   {"key": <private key>, "jwe": <flattened JWE>}      -> {"plaintext": b64url}
where <private key> is {"kty": "EC", "d": b64url} or {"kty": "RSA", "der": b64url (PKCS#1 or PKCS#8 DER)}.
"""
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def concat_kdf(z: bytes, algorithm: str, key_bits: int, apu: bytes, apv: bytes) -> bytes:
    """RFC 7518 section 4.6.2: NIST SP 800-56A Concat KDF with SHA-256."""
    alg = algorithm.encode("ascii")
    other_info = (
        struct.pack(">I", len(alg)) + alg
        + struct.pack(">I", len(apu)) + apu
        + struct.pack(">I", len(apv)) + apv
        + struct.pack(">I", key_bits)
    )
    out = b""
    counter = 1
    while len(out) * 8 < key_bits:
        out += hashlib.sha256(struct.pack(">I", counter) + z + other_info).digest()
        counter += 1
    return out[: key_bits // 8]


def ec_public(jwk: dict) -> ec.EllipticCurvePublicKey:
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
    x = int.from_bytes(unb64u(jwk["x"]), "big")
    y = int.from_bytes(unb64u(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def seal(request: dict) -> dict:
    jwk = request["jwk"]
    plaintext = unb64u(request["plaintext"])
    cek = os.urandom(32)
    if jwk["kty"] == "EC":
        ephemeral = ec.generate_private_key(ec.SECP256R1())
        z = ephemeral.exchange(ec.ECDH(), ec_public(jwk))
        apu, apv = b"veil-crosscheck-sender", b"veil-crosscheck-recipient"
        kek = concat_kdf(z, "ECDH-ES+A256KW", 256, apu, apv)
        encrypted_key = aes_key_wrap(kek, cek)
        numbers = ephemeral.public_key().public_numbers()
        header = {
            "alg": "ECDH-ES+A256KW",
            "enc": "A256GCM",
            "apu": b64u(apu),
            "apv": b64u(apv),
            "epk": {
                "kty": "EC",
                "crv": "P-256",
                "x": b64u(numbers.x.to_bytes(32, "big")),
                "y": b64u(numbers.y.to_bytes(32, "big")),
            },
        }
    elif jwk["kty"] == "RSA":
        n = int.from_bytes(unb64u(jwk["n"]), "big")
        e = int.from_bytes(unb64u(jwk["e"]), "big")
        public = rsa.RSAPublicNumbers(e, n).public_key()
        encrypted_key = public.encrypt(
            cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        )
        header = {"alg": "RSA-OAEP-256", "enc": "A256GCM"}
    else:
        raise SystemExit("unsupported kty")
    protected = b64u(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode("ascii"))
    return {
        "protected": protected,
        "encrypted_key": b64u(encrypted_key),
        "iv": b64u(iv),
        "ciphertext": b64u(sealed[:-16]),
        "tag": b64u(sealed[-16:]),
    }


def open_jwe(request: dict) -> dict:
    key = request["key"]
    jwe = request["jwe"]
    header = json.loads(unb64u(jwe["protected"]))
    assert header["enc"] == "A256GCM", header
    encrypted_key = unb64u(jwe["encrypted_key"])
    if key["kty"] == "EC":
        assert header["alg"] == "ECDH-ES+A256KW", header
        d = int.from_bytes(unb64u(key["d"]), "big")
        private = ec.derive_private_key(d, ec.SECP256R1())
        z = private.exchange(ec.ECDH(), ec_public(header["epk"]))
        kek = concat_kdf(
            z,
            header["alg"],
            256,
            unb64u(header.get("apu", "")),
            unb64u(header.get("apv", "")),
        )
        cek = aes_key_unwrap(kek, encrypted_key)
    else:
        assert header["alg"] == "RSA-OAEP-256", header
        private = serialization.load_der_private_key(unb64u(key["der"]), password=None)
        cek = private.decrypt(
            encrypted_key,
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
    aad = jwe["protected"].encode("ascii")
    if "aad" in jwe:
        aad += b"." + jwe["aad"].encode("ascii")
    plaintext = AESGCM(cek).decrypt(unb64u(jwe["iv"]), unb64u(jwe["ciphertext"]) + unb64u(jwe["tag"]), aad)
    return {"plaintext": b64u(plaintext)}


def main() -> None:
    mode = sys.argv[1]
    request = json.load(sys.stdin)
    result = seal(request) if mode == "seal" else open_jwe(request)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
