"""The two small algorithms of MS-OVBA the VBA project writer needs.

- :func:`compress` — MS-OVBA 2.4.1 (CompressedContainer): a signature byte, then one
  CompressedChunk per 4096 bytes of input; a chunk is a 2-byte header and token
  sequences (a flag byte and up to 8 tokens: literal bytes or 2-byte copy tokens whose
  offset/length split depends on the position in the chunk, 2.4.1.3.19.1). A chunk
  that would not get smaller is stored raw (2.4.1.3.10). The output is proved against
  an independent decompressor (``oletools.olevba.decompress_stream``) in the tests.
- :func:`encrypt` / :func:`decrypt` — MS-OVBA 2.4.3 (Data Encryption), used for the
  PROJECT stream's CMG, DPB and GC values (protection state, password, visibility).

Both are deterministic: the same input gives the same bytes (fixed seed, fixed filler
bytes, a deterministic match search), so builds are reproducible.
"""

from __future__ import annotations

CHUNK_SIZE = 4096
_SIGNATURE = 0x01
_MAX_CHAIN = 64            # candidates examined per position (any valid match is correct)
_RAW_HEADER = 0x3FFF       # size field 4095 (= 4098 - 3), signature 0b011, flag 0 (raw)


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.6: compress ``data`` into a CompressedContainer."""
    data = bytes(data)
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        out += _compress_chunk(data, start, min(start + CHUNK_SIZE, len(data)))
    return bytes(out)


def padded_raw_chunk(data: bytes) -> bool:
    """Whether :func:`compress` had to store a short final chunk raw. MS-OVBA pads a raw
    chunk to 4096 bytes with zeros (2.4.1.3.10), so decompression then returns those zeros
    too. Never the case for VBA source text (it always compresses); the builder refuses it."""
    tail = len(data) % CHUNK_SIZE
    if not tail:
        return False
    start = len(data) - tail
    return _compress_chunk(bytes(data), start, len(data))[:2] == _RAW_HEADER.to_bytes(2, "little")


def _bit_count(difference: int) -> int:
    """2.4.1.3.19.3 CopyToken Help: bits of the offset field at this position."""
    return max((difference - 1).bit_length(), 4)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """2.4.1.3.7 Compressing a DecompressedChunk."""
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos = start

    def remember(first: int, stop: int) -> None:
        for p in range(first, min(stop, end - 2)):
            seen.setdefault(data[p:p + 3], []).append(p)

    while pos < end:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            length, offset = _match(data, start, pos, end, seen)
            if length:
                bits = _bit_count(pos - start)
                token = ((offset - 1) << (16 - bits)) | (length - 3)
                body += token.to_bytes(2, "little")
                flags |= 1 << bit
                remember(pos, pos + length)
                pos += length
            else:
                body.append(data[pos])
                remember(pos, pos + 1)
                pos += 1
        body[flag_at] = flags
    if len(body) > CHUNK_SIZE:          # does not fit: a RawChunk (2.4.1.3.10)
        raw = data[start:end]
        return _RAW_HEADER.to_bytes(2, "little") + raw + bytes(CHUNK_SIZE - len(raw))
    header = (len(body) + 2 - 3) | (0b011 << 12) | (1 << 15)
    return header.to_bytes(2, "little") + bytes(body)


def _match(data: bytes, start: int, pos: int, end: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    """2.4.1.3.19.4 Matching: the longest earlier copy in this chunk (length >= 3), as
    (length, offset); (0, 0) when there is none. Overlapping copies are allowed: the
    decompressor copies byte by byte, so comparing with the input itself is exact."""
    if pos + 3 > end:
        return 0, 0
    candidates = seen.get(data[pos:pos + 3])
    if not candidates:
        return 0, 0
    longest = min((0xFFFF >> _bit_count(pos - start)) + 3, end - pos)
    best_len, best_at = 0, 0
    for cand in reversed(candidates[-_MAX_CHAIN:]):
        if data[cand:cand + longest] == data[pos:pos + longest]:
            n = longest
        else:
            n = 3
            while n < longest and data[cand + n] == data[pos + n]:
                n += 1
        if n > best_len:
            best_len, best_at = n, cand
            if n == longest:
                break
    if best_len < 3:
        return 0, 0
    return best_len, pos - best_at


# --- 2.4.3 Data Encryption ----------------------------------------------------------------

ENCRYPTION_VERSION = 2
#: MS-OVBA lets the writer pick the seed and the ignored bytes; fixed here for
#: reproducible builds. (seed & 6) // 2 = 2 ignored bytes.
SEED = 0x5D
_FILLER = 0x00


def project_key(project_id: str) -> int:
    """2.4.3.2: the project key is the sum of the bytes of the ProjectId text, mod 256."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int = SEED, ignored: bytes | None = None) -> str:
    """2.4.3.2 Encryption: the hex text stored in CMG / DPB / GC. ``ignored`` are the
    (seed & 6) // 2 filler bytes the writer may choose (zeros by default)."""
    key = project_key(project_id)
    out = bytearray([seed, seed ^ ENCRYPTION_VERSION, seed ^ key])
    state = {"plain": key, "enc1": out[2], "enc2": out[1]}

    def put(byte: int) -> None:
        enc = byte ^ ((state["enc2"] + state["plain"]) & 0xFF)
        out.append(enc)
        state["enc2"], state["enc1"], state["plain"] = state["enc1"], enc, byte

    count = (seed & 6) // 2
    filler = bytes([_FILLER] * count) if ignored is None else bytes(ignored)
    if len(filler) != count:
        raise ValueError(f"seed {seed:#04x} needs {count} ignored bytes")
    for byte in filler:
        put(byte)
    for byte in len(data).to_bytes(4, "little") + bytes(data):
        put(byte)
    return out.hex().upper()


def decrypt(text: str) -> tuple[int, int, bytes, bytes]:
    """2.4.3.3 Decryption: (version, project key, data, ignored bytes) of a CMG / DPB / GC
    value."""
    raw = bytes.fromhex(text)
    seed = raw[0]
    version, key = raw[1] ^ seed, raw[2] ^ seed
    plain, enc1, enc2 = key, raw[2], raw[1]
    pos = 3
    out = bytearray()
    for b in raw[3:]:
        byte = b ^ ((enc2 + plain) & 0xFF)
        enc2, enc1, plain = enc1, b, byte
        out.append(byte)
        pos += 1
    ignored = (seed & 6) // 2
    length = int.from_bytes(out[ignored:ignored + 4], "little")
    data = bytes(out[ignored + 4:])
    if len(data) != length:
        raise ValueError(f"encrypted data length {len(data)} != declared {length}")
    return version, key, data, bytes(out[:ignored])
