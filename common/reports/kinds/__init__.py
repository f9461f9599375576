"""One module per competition, each registering its report sections with `compete.common.reports.registry`."""
