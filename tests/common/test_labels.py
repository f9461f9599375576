import numpy as np
import pytest

from compete.common.errors import DataError
from compete.common.data.labels import ClassVocabulary, MultiLabelVocabulary


def test_multilabel_round_trip_in_vocabulary_order():
    vocab = MultiLabelVocabulary(("clear", "primary", "road", "water"))
    matrix = vocab.encode(["road clear", "water", "primary clear road water"])
    assert matrix.tolist() == [[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 1, 1]]
    assert vocab.decode(matrix) == ["clear road", "water", "clear primary road water"]


def test_unknown_tag_names_the_file_and_row():
    vocab = MultiLabelVocabulary(("clear", "primary"))
    with pytest.raises(DataError, match=r"train\.csv: 'train_7' \(line 3\): unknown tag 'cloudyy'"):
        vocab.encode(["clear", "cloudyy"], source="train.csv", row_names=["'train_1' (line 2)", "'train_7' (line 3)"])


def test_class_vocabulary():
    vocab = ClassVocabulary(("cat", "dog"))
    assert vocab.encode(["dog", "cat"]).tolist() == [1, 0]
    assert vocab.decode(np.array([0, 1])) == ["cat", "dog"]
    with pytest.raises(DataError, match="unknown class 'cow'"):
        vocab.encode(["cow"], source="labels.csv")
