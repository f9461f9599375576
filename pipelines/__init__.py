"""One recipe per competition, composed from `competitions/` and `common/`.

Each module here registers itself with `pipelines.registry.register`; the
`compete` command discovers them, so adding a competition touches no other file.
"""
