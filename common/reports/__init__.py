"""`report.html` for a run: learning curves, the competition's figures and its scores, read from the run folder alone.

`write_report(run_dir)` is the entry point (`refresh(run_dir)` for a command's end: a warning on failure); matplotlib is imported only while the figures are drawn.
"""

from compete.common.reports.report import refresh, write_report

__all__ = ["refresh", "write_report"]
