"""Kaggle in and out through the official `kaggle` package (the `kaggle` extra).

    client.py    the one way to the API (`client.api()`, replaced by a fake in tests) and its errors
    plan.py      what a competition's download is made of; each competition states its own
    download.py  fetch, unpack safely and place a competition's files in the data folder
    upload.py    hand a checked submission to the competition
"""
