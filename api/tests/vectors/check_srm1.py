#!/usr/bin/env python3
"""Independent re-implementation of the SRM1 vectors with pyca/cryptography.

Run: python3 tests/vectors/check_srm1.py   (needs `cryptography` >= 44)
Cross-checks tests/vectors/srm1.json against a second implementation of
docs/design.md §2/§3, so the Rust code and the spec cannot drift together unnoticed.
"""
import hashlib, hmac, json, os, sys, unicodedata
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

v = json.load(open(os.path.join(os.path.dirname(__file__), "srm1.json")))
h = bytes.fromhex
inp = v["inputs"]
umk, dek, wn, user, obj = (h(inp[k]) for k in ("umk", "dek", "wrap_nonce", "user_id", "object_id"))
CH = 1 << 16

def encrypt(pt):
    wrapped = wn + AESGCM(umk).encrypt(wn, dek, b"dek" + user + obj)
    commit = hmac.new(dek, b"SRM1 commit" + obj, hashlib.sha256).digest()
    header = b"SRM1" + bytes([1, 1, 16, 0]) + obj + wrapped + commit
    assert len(header) == 116
    chunks = [pt[i:i + CH] for i in range(0, len(pt), CH)] or [b""]
    body = b""
    for i, c in enumerate(chunks):
        last = i == len(chunks) - 1
        nonce = bytes(7) + i.to_bytes(4, "big") + bytes([1 if last else 0])
        body += AESGCM(dek).encrypt(nonce, c, header)
    return header + body

for o in v["objects"]:
    n = o["plaintext_len"]
    ct = encrypt(bytes(i % 251 for i in range(n)))
    assert ct[:116].hex() == o["header"], o["name"]
    assert len(ct) == o["ciphertext_len"], o["name"]
    assert hashlib.sha256(ct).hexdigest() == o["ciphertext_sha256"], o["name"]
    if "ciphertext" in o:
        assert ct.hex() == o["ciphertext"], o["name"]

w = v["wrap_umk"]
kek, kn = h(w["kek"]), h(w["nonce"])
assert (kn + AESGCM(kek).encrypt(kn, umk, b"umk" + user)).hex() == w["wrapped"]

d = v["derive_kek"]
a = Argon2id(salt=h(d["salt"]), length=32, iterations=d["t"], lanes=d["p"], memory_cost=d["m_kib"])
assert a.derive(d["secret"].encode()).hex() == d["kek"]

k = v["hkdf_sha256"]
hk = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=k["info"].encode())
assert hk.derive(h(k["ikm"])).hex() == k["okm"]

nm = v["name"]
def sub(info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(umk)
enc_key, mac_key = sub(b"strongroom names enc"), sub(b"strongroom names mac")
name = unicodedata.normalize("NFC", nm["name"]).encode()
node, parent, nn = h(nm["node_id"]), h(nm["parent_id"]), h(nm["nonce"])
assert (nn + AESGCM(enc_key).encrypt(nn, name, b"name" + node + parent)).hex() == nm["ciphertext"]
assert hmac.new(mac_key, parent + name, hashlib.sha256).hexdigest() == nm["mac"]
print("srm1.json: all vectors match the independent implementation")
