"""What every fuzz variant must end in, shared by the suites."""


def answered(capsys, code) -> tuple[str, str]:
    """Exit 0 with a silent stderr, or exit 2 with exactly one short `compete: error:` line; (out, err)."""
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("compete: error: ") and len(lines[0]) < 500, err
    else:
        assert err == "", err
    return out, err
