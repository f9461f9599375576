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


# --- paths named by label files stay inside the data folder -------------------------------------


def _download(tmp_path):
    """tmp_path/data with lab/a.json (naming "sub/a.png") and img/sub/a.png; a real image outside at tmp_path."""
    root = tmp_path / "data"
    write(root / "img" / "sub" / "a.png", "x")
    write(tmp_path / "outside.png", "x")
    return root


@pytest.mark.parametrize("named", ["/etc/passwd", "../../outside.png", "sub/../../../outside.png", "/etc"])
def test_a_named_path_leading_outside_the_data_folder_is_refused(tmp_path, named):
    root = _download(tmp_path)
    f = write(root / "lab" / "a.json", label_json(named))
    with pytest.raises(DataError, match="leads outside the data folder") as error:
        read_folder(root / "lab", root / "img", root=root)
    assert error.value.path == str(f) and repr(named) in str(error.value)


def test_an_image_linking_outside_the_data_folder_is_refused_however_it_is_matched(tmp_path):
    root = _download(tmp_path)
    (root / "img" / "sub" / "a.png").unlink()
    (root / "img" / "sub" / "a.png").symlink_to(tmp_path / "outside.png")
    for named in ("sub/a.png", "/stale/a.png", "/stale/other.png"):  # by path, by name, by the label's stem
        f = write(root / "lab" / "a.json", label_json(named))
        with pytest.raises(DataError, match=r"\(a link to '[^)]*\) leads outside") as error:
            read_folder(root / "lab", root / "img", root=root)
        assert error.value.path == str(f)


def test_a_label_file_linking_outside_is_refused(tmp_path):
    root = _download(tmp_path)
    write(tmp_path / "elsewhere.json", label_json("sub/a.png"))
    (root / "lab").mkdir()
    (root / "lab" / "a.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(DataError, match="label file .* leads outside"):
        read_folder(root / "lab", root / "img", root=root)


def test_relative_paths_are_taken_inside_the_download_never_from_the_current_folder(tmp_path, monkeypatch):
    root = _download(tmp_path)
    write(root / "img" / "sub" / "b.png", "x")
    write(tmp_path / "cwd" / "sub" / "b.png", "decoy")
    monkeypatch.chdir(tmp_path / "cwd")
    write(root / "lab" / "a.json", label_json("../../img/sub/a.png"))  # relative to the label file: inside
    write(root / "lab" / "b.json", label_json("sub/b.png"))             # relative to the image folder
    records, unmatched = read_folder(root / "lab", root / "img", root=root)
    assert not unmatched
    assert {r.label_file.name: r.image for r in records} == {"a.json": root / "img" / "sub" / "a.png",
                                                            "b.json": root / "img" / "sub" / "b.png"}


def test_a_named_file_inside_the_download_that_is_not_an_image_is_refused(tmp_path):
    root = _download(tmp_path)
    write(root / "other" / "secret.png", "x")  # inside the download, but not one of the images
    f = write(root / "lab" / "a.json", label_json("../other/secret.png"))
    with pytest.raises(DataError, match="which is not one of the") as error:
        read_folder(root / "lab", root / "img", root=root)
    assert error.value.path == str(f)


def test_a_stale_path_that_exists_nowhere_falls_back_to_the_name(tmp_path):
    root = _download(tmp_path)
    write(root / "lab" / "x.json", label_json("../../../no/such/dir/a.png"))
    records, unmatched = read_folder(root / "lab", root / "img", root=root)
    assert [r.image.name for r in records] == ["a.png"] and not unmatched


def test_inside_helper_resolves_against_the_root_and_refuses_escapes(tmp_path):
    from compete.common.io.paths import inside, within

    root = tmp_path / "data"
    (root / "a").mkdir(parents=True)
    assert inside(root, "a/../a/x.png", "f.json") == root / "a" / "x.png"
    assert inside(root, "x.png", "f.json", base=root / "a") == root / "a" / "x.png"
    for bad in ("/etc/passwd", "../x", "a/../../x", "x\x00y", ""):
        with pytest.raises(DataError) as error:
            inside(root, bad, "f.json")
        assert error.value.path == "f.json"
    (root / "link").symlink_to(tmp_path)
    assert not within(root, root / "link" / "x") and within(root, root / "a" / "x")
    with pytest.raises(DataError, match="a link to"):
        inside(root, "link", "f.json")
    long = "x" * 100_000
    with pytest.raises(DataError) as error:
        inside(root, "/" + long, "f.json")
    assert len(str(error.value)) < 300


@pytest.mark.parametrize("key, value", [("label", "가" * 1_000_000), ("domain", "D" * 1_000_000),
                                        ("box", "[" + "1," * 500_000 + "1]"), ("label", ["x"] * 200_000),
                                        ("label", {"k": "v" * 1_000_000})])
def test_huge_values_give_short_messages(tmp_path, key, value):
    label = label_json()
    if key == "label":
        label["category"]["ctg_nm_level3"] = value
    elif key == "domain":
        label["abstract_image"]["abs_domain"] = value
    else:
        label["abstract_image"]["abs_bbox"] = value
    f = write(tmp_path / "a.json", label)
    with pytest.raises(DataError) as error:
        read_label(f, domains=("SKETCH",))
    assert error.value.path == str(f) and len(error.value.problem) < 200, error.value.problem


@pytest.mark.parametrize("box, message", [("[NaN, 1, 2, 3]", "not finite"), ("[1, 2, Infinity, 3]", "not finite"),
                                          ([1, 2, 10 ** 400, 3], "too large"), ("[1, 2, 3]", "not of the form"),
                                          ("[" * 100_000, "not of the form")])
def test_boxes_with_numbers_that_are_not_finite_are_refused(tmp_path, box, message):
    f = write(tmp_path / "a.json", label_json(box=box))
    with pytest.raises(DataError, match=message):
        read_label(f, domains=("SKETCH",))


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '{"a": ' + "9" * 5000 + "}", "\x00\x01"])
def test_hostile_json_is_a_data_error(tmp_path, content):
    f = write(tmp_path / "a.json", content)
    with pytest.raises(DataError, match="malformed JSON") as error:
        read_label(f)
    assert error.value.path == str(f)


def test_a_lone_surrogate_is_not_a_class_name(tmp_path):
    f = write(tmp_path / "a.json", json.dumps(label_json(label="\ud800")))
    with pytest.raises(DataError, match="not valid Unicode"):
        read_label(f, domains=("SKETCH",))


def test_an_oversized_label_file_is_refused_before_it_is_read(tmp_path):
    f = write(tmp_path / "a.json", json.dumps(label_json()))
    with pytest.raises(DataError, match="a label file may have") as error:
        jsonlabels.load_json(f, max_bytes=100)
    assert error.value.path == str(f)


def test_a_pipe_posing_as_an_image_or_a_label_file_is_refused_rather_than_read(tmp_path):
    import os

    root = _download(tmp_path)
    os.mkfifo(root / "img" / "sub" / "b.png")
    write(root / "lab" / "b.json", label_json("sub/b.png"))
    with pytest.raises(DataError, match="is not a regular file"):
        read_folder(root / "lab", root / "img", root=root)
    (root / "lab" / "b.json").unlink()
    os.mkfifo(root / "lab" / "c.json")
    with pytest.raises(DataError, match="label file .* is not a regular file"):
        read_folder(root / "lab", root / "img", root=root)
