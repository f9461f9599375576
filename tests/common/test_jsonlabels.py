"""JSON labels by key path: parsing, stem matching, NFC/NFD, and every bad-input case names the file."""

import json
import unicodedata

import pytest

from compete.common.io import jsonlabels
from compete.common.errors import DataError
from compete.common.io.jsonlabels import KeyPaths, nfc, read_folder, read_label

LABEL = "귀걸이"


def label_json(path="x.png", label=LABEL, domain="SKETCH", box="[20,57.49,263,177]"):
    return {"category": {"ctg_nm_level1": "a", "ctg_nm_level3": label},
            "abstract_image": {"abs_path": path, "abs_bbox": box, "abs_domain": domain}}


def write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_read_label_defaults_parse_box_string(tmp_path):
    f = write(tmp_path / "a.json", label_json())
    label, named, domain, box = read_label(f, domains=("SKETCH",))
    assert (label, named, domain, box) == (LABEL, "x.png", "SKETCH", (20.0, 57.49, 263.0, 177.0))


def test_other_schema_is_a_matter_of_settings(tmp_path):
    f = write(tmp_path / "a.json", {"meta": {"cls": "cat", "file": "c.jpg", "boxes": [[1, 2, 3, 4]]}})
    keys = KeyPaths(label="meta.cls", image="meta.file", domain="", box="meta.boxes.0")
    assert read_label(f, keys) == ("cat", "c.jpg", None, (1.0, 2.0, 3.0, 4.0))


@pytest.mark.parametrize("content, message", [
    ("{not json", "malformed JSON"),
    (json.dumps({"category": {}}), "missing key path 'category.ctg_nm_level3'"),
    (json.dumps(label_json(domain="PHOTO")), "unknown domain 'PHOTO'"),
    (json.dumps(label_json(box="[1, 2, 3]")), "not of the form"),
    (json.dumps(label_json(box="[1, 2, -3, 4]")), "non-positive"),
    (json.dumps(label_json(label="")), "expected a class name"),
])
def test_bad_label_files_name_the_file(tmp_path, content, message):
    f = write(tmp_path / "bad.json", content)
    with pytest.raises(DataError, match=message) as error:
        read_label(f, domains=("SKETCH", "PICTOGRAM", "ILLUSTRATION"))
    assert error.value.path == str(f)


def test_non_utf8_label_file(tmp_path):
    f = tmp_path / "cp949.json"
    f.write_bytes(json.dumps(label_json(), ensure_ascii=False).encode("cp949"))
    with pytest.raises(DataError, match="not UTF-8") as error:
        read_label(f)
    assert error.value.path == str(f)


def test_utf8_bom_is_accepted(tmp_path):
    f = tmp_path / "bom.json"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps(label_json(), ensure_ascii=False).encode())
    assert read_label(f)[0] == LABEL


def test_box_outside_image_names_source():
    with pytest.raises(DataError, match="outside the 100x80 image") as error:
        jsonlabels.check_box((50, 10, 60, 20), 100, 80, source="lab.json")
    assert error.value.path == "lab.json"
    assert jsonlabels.check_box((0, 0, 100.4, 80), 100, 80) == (0, 0, 100, 80)


def test_matching_by_path_name_and_stem_and_unmatched_reported(tmp_path):
    images, labels = tmp_path / "원천데이터", tmp_path / "라벨링데이터"
    for stem in ("a", "b", "c"):
        write(images / "sub" / f"{stem}.png", "x")
    write(labels / "a.json", label_json("sub/a.png"))                        # relative to the image root
    write(labels / "b.json", label_json("/stale/somewhere/b.png"))           # stale: by file name
    write(labels / "c.json", label_json("/stale/renamed.png"))              # stale and renamed: by stem
    write(labels / "d.json", label_json("/stale/d.png"))                     # no image at all
    records, unmatched = read_folder(labels, images)
    assert sorted(r.image.name for r in records) == ["a.png", "b.png", "c.png"]
    assert [f.name for f, _ in unmatched] == ["d.json"]
    assert "no image" in unmatched[0][1]


def test_two_labels_for_one_image_is_an_error(tmp_path):
    write(tmp_path / "img" / "a.png", "x")
    write(tmp_path / "lab" / "a.json", label_json("a.png"))
    write(tmp_path / "lab" / "z.json", label_json("a.png"))
    with pytest.raises(DataError, match="names the same image"):
        read_folder(tmp_path / "lab", tmp_path / "img")


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_nfd_names_on_disk_are_normalised(tmp_path, form):
    stem = unicodedata.normalize(form, "귀걸이_S_0001")
    images = tmp_path / unicodedata.normalize(form, "원천데이터")
    write(images / f"{stem}.png", "x")
    write(tmp_path / "lab" / f"{stem}.json", label_json(unicodedata.normalize("NFD" if form == "NFC" else "NFC", f"{stem}.png"),
                                                         label=unicodedata.normalize(form, LABEL)))
    found = jsonlabels.find_child(tmp_path, "원천데이터")
    assert found is not None and found.is_dir()
    records, unmatched = read_folder(tmp_path / "lab", found)
    assert not unmatched and len(records) == 1
    assert records[0].label == LABEL and records[0].label == nfc(records[0].label)
    assert unicodedata.is_normalized("NFC", records[0].label)
