"""Table readers on hostile input: zip bombs refused within the unpacking limit, encodings and parse errors named by
line and column, and no message echoing more than a short piece of a bad value."""

import dataclasses
import zipfile

import pytest

from compete.common.errors import DataError
from compete.common.io import policy, quoted_tsv, tables


@pytest.fixture
def limit(monkeypatch):
    """Set the unpacking limit for one test (the process-wide policy is restored afterwards)."""
    monkeypatch.setattr(policy, "current", policy.current)

    def set_limit(n_bytes):
        policy.current = dataclasses.replace(policy.current, max_unpacked_bytes=n_bytes)
    return set_limit


def _bomb(path, n_bytes, name="labeledTrainData.tsv", byte=b"a"):
    """A zip holding `n_bytes` of one byte: it compresses about a thousandfold."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        chunk = byte * (1 << 20)
        for start in range(0, n_bytes, len(chunk)):
            member.write(chunk[: n_bytes - start])
    return path


@pytest.fixture
def counted(monkeypatch):
    """The bytes handed out by zip members while a test runs (how far unpacking got)."""
    read = {"bytes": 0}
    original = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = original(self, n)
        read["bytes"] += len(data)
        return data
    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return read


def test_a_zip_bomb_is_refused_from_its_declared_size_before_unpacking(tmp_path, limit, counted):
    path = _bomb(tmp_path / "labeledTrainData.tsv.zip", 5 << 20)
    assert path.stat().st_size < 20_000  # 5 MB of one byte
    limit(1 << 20)
    with pytest.raises(DataError) as error:
        tables.read_bytes(path)
    message = str(error.value)
    assert message.startswith(f"{path}: 'labeledTrainData.tsv' declares 5 MB unpacked")
    assert "over the 1 MB limit on unpacked data: refused before unpacking" in message
    assert "--max-unpacked-mb" in message
    assert counted["bytes"] == 0  # nothing was expanded


def test_unpacking_stops_at_the_limit_when_the_declared_size_lies(tmp_path, limit, counted, monkeypatch):
    path = _bomb(tmp_path / "testData.tsv.zip", 5 << 20)
    limit(1 << 20)
    real = zipfile.ZipFile.infolist

    def lying(self):  # every member declares 100 bytes, whatever it holds
        infos = real(self)
        for info in infos:
            info.file_size = 100
        return infos
    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    with pytest.raises(DataError, match="testData.tsv.zip: cannot read zip archive: Bad CRC-32") as error:
        tables.read_bytes(path)
    assert counted["bytes"] <= 100  # zipfile stops at the declared size; the checksum then fails
    assert len(str(error.value)) < 300


def test_the_streaming_count_stops_at_the_limit(tmp_path):
    """Whatever size was declared, no more than the limit (plus one chunk) is expanded."""
    import io

    class Stream(io.BytesIO):
        handed = 0

        def read(self, n=-1):
            data = super().read(n)
            Stream.handed += len(data)
            return data
    with pytest.raises(DataError) as error:
        tables.expand(Stream(bytes(50 << 20)), 1 << 20, tmp_path / "x.zip", "testData.tsv", 10)
    assert Stream.handed <= (1 << 20) + tables.CHUNK
    assert str(error.value) == (f"{tmp_path / 'x.zip'}: 'testData.tsv' unpacks to more than the 10 bytes it declares, "
                                "over the 1 MB limit on unpacked data: stopped unpacking (raise the limit with "
                                "--max-unpacked-mb if the file is genuine)")
    assert len(tables.expand(Stream(bytes(1 << 20)), 1 << 20, "x.zip", "t", 10)) == 1 << 20


def test_a_zip_within_the_limit_reads_whole(tmp_path, limit):
    path = _bomb(tmp_path / "x.tsv.zip", 3 << 20)
    limit(3 << 20)
    assert len(tables.read_bytes(path)) == 3 << 20


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:len(b) // 2], "cannot read zip archive"),
    (lambda b: b"PK\x03\x04" + bytes(100), "cannot read zip archive"),
    (lambda b: b"", "cannot read zip archive"),
    (lambda b: b[:60] + bytes(b ^ 0xFF for b in b[60:160]) + b[160:], "cannot read zip archive"),
])
def test_broken_zips_are_one_named_error(tmp_path, damage, message):
    path = _bomb(tmp_path / "x.tsv.zip", 200_000, byte=b"review text ")
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DataError, match=message) as error:
        tables.read_bytes(path)
    assert str(error.value).startswith(str(path)) and len(str(error.value)) < 400


def test_an_encrypted_or_unsupported_member_is_named(tmp_path):
    path = _bomb(tmp_path / "x.tsv.zip", 1000)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[6] |= 1
    data[central + 8] |= 1
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="'labeledTrainData.tsv' is encrypted"):
        tables.read_bytes(path)
    data[6] &= 0xFE
    data[central + 8] &= 0xFE
    data[8] = data[central + 10] = 99  # compression method 99 (AES)
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="cannot read zip archive: That compression method is not supported"):
        tables.read_bytes(path)


def test_a_zip_of_several_files_is_refused(tmp_path):
    path = tmp_path / "x.tsv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.tsv", "x")
        archive.writestr("b.tsv", "y")
        archive.writestr("__MACOSX/._a.tsv", "z")
    with pytest.raises(DataError, match=r"expected one file in the zip archive, found 2: \['a.tsv', 'b.tsv'\]"):
        tables.read_bytes(path)


def test_member_names_that_escape_are_never_used_as_paths(tmp_path):
    """The one member is read through the archive, so '../' or an absolute name writes nothing anywhere."""
    path = tmp_path / "x.tsv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../escape.tsv", "id\treview\n")
    before = set(tmp_path.parent.parent.iterdir())
    assert bytes(tables.read_bytes(path)) == b"id\treview\n"
    assert set(tmp_path.parent.parent.iterdir()) == before and list(tmp_path.iterdir()) == [path]


def test_latin1_csv_names_file_line_and_column(tmp_path):
    path = tmp_path / "sampleSubmission.csv"
    path.write_bytes('id,sentiment\n"1_2",0\n"caf\u00e9",0\n'.encode("latin-1"))
    with pytest.raises(DataError) as error:
        tables.read_csv(path)
    assert str(error.value) == (f"{path}: line 3, column 5: not valid UTF-8 (byte 0xe9); re-save the file as UTF-8")


def test_a_zipped_csv_is_read_within_the_limit(tmp_path, limit):
    path = tmp_path / "sampleSubmission.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sampleSubmission.csv", "id,sentiment\n" + "".join(f'"{i}_1",0\n' for i in range(50_000)))
    assert len(tables.read_csv(path)) == 50_000
    limit(100_000)
    with pytest.raises(DataError, match="over the 100,000 bytes limit on unpacked data"):
        tables.read_csv(path)


@pytest.mark.parametrize("text, message", [
    ("", "empty file"),
    ("\n\n", "empty file"),
    # pandas would take the first column for an index here, and pad the short row: both are refused.
    ("a,b\n1,2,3\n4,5\n", r"line 2: expected 2 comma-separated fields \['a', 'b'\], found 3"),
    ("a,b\n1,2\n\n4\n", r"line 4: expected 2 comma-separated fields \['a', 'b'\], found 1"),
    ('a,b\n1,"2\n3,4\n', "line 2: unterminated quoted field"),
    ('a,b\n1,"2"x\n', "line 2: malformed CSV"),
    ("a,a\n1,2\n", "duplicate column name"),
    ("a,b\n1,\x002\n", "line 2: NUL byte"),
])
def test_bad_csv_is_one_named_line(tmp_path, text, message):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as error:
        tables.read_csv(path)
    assert "\n" not in str(error.value)


def test_a_huge_bad_value_is_never_echoed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "x" * 100_000 + ",1\n")
    frame = tables.read_csv(path)
    with pytest.raises(DataError) as error:
        tables.require_columns(frame.columns, ["image_name"], path)
    assert len(str(error.value)) < 300
    path.write_text("a," + "y" * 100_000 + "\n1,2\n")
    with pytest.raises(DataError) as error:
        tables.require_columns(tables.read_csv(path).columns, ["image_name"], path)
    assert len(str(error.value)) < 300
    path.write_text("a,b\n1,2\n3," + "z" * 5_000_000 + "\n")
    with pytest.raises(DataError, match="line 3: a field longer than 131,072 characters") as error:
        tables.read_csv(path)
    assert len(str(error.value)) < 300


def test_csv_cells_stay_text_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('\ufeffid,tags\n007,"clear, primary"\n\n"a ""b""",\n')
    frame = tables.read_csv(path)
    assert list(frame.columns) == ["id", "tags"]
    assert frame.to_dict("list") == {"id": ["007", 'a "b"'], "tags": ["clear, primary", ""]}
    path.write_text("id,tags\n")
    frame = tables.read_csv(path)
    assert frame.empty and list(frame.columns) == ["id", "tags"]


@pytest.mark.parametrize("rows, expected", [
    # The quote opened on line 3 never closes there; it runs on to the quote that opens line 4's id.
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"never closed', '"3_9"\t0\t"fine"'],
     "line 3: unterminated quoted field (the quote opened on line 3 runs on to line 4)"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"never closed'], "line 3: unterminated quoted field"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"a "stray" quote"'], "line 3: malformed quoted field"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"ok"\t"' + "z" * 3_000_000 + '"'], "line 3: expected 3 tab-separated fields"),
])
def test_tsv_errors_name_the_line_where_the_trouble_starts(tmp_path, rows, expected):
    path = tmp_path / "labeledTrainData.tsv"
    path.write_text("id\tsentiment\treview\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError) as error:
        quoted_tsv.read(path, ["id", "sentiment", "review"])
    assert str(error.value).startswith(f"{path}: {expected}") and len(str(error.value)) < 300


def test_tsv_header_of_a_huge_name_is_capped(tmp_path):
    path = tmp_path / "labeledTrainData.tsv"
    path.write_text("id\t" + "h" * 3_000_000 + "\n1\t2\n")
    with pytest.raises(DataError, match="missing column") as error:
        quoted_tsv.read(path, ["id", "review"])
    assert len(str(error.value)) < 300
