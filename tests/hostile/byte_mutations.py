"""Seeded damage to a file's bytes, shared by the fuzz suites: each takes (rng, data) and returns new data."""


def split_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def shuffle(rng, data: bytes) -> bytes:
    rows = split_lines(data)
    rng.shuffle(rows)
    return b"\n".join(rows)


def duplicate(rng, data: bytes) -> bytes:
    rows = split_lines(data)
    i = rng.randrange(len(rows))
    rows.insert(rng.randrange(len(rows) + 1), rows[i])
    return b"\n".join(rows)


def drop(rng, data: bytes) -> bytes:
    rows = split_lines(data)
    for _ in range(rng.randint(1, 3)):
        if rows:
            del rows[rng.randrange(len(rows))]
    return b"\n".join(rows)


def insert(what):
    """A mutation inserting `what(rng)` at a random place."""
    def mutation(rng, data: bytes) -> bytes:
        at = rng.randrange(len(data) + 1)
        return data[:at] + what(rng) + data[at:]
    return mutation


def flip(rng, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)
