"""`report.html` for a run: learning curves, the competition's figures and its scores, read from the run folder alone.

`write_report(run_dir)` is the entry point; matplotlib is imported only while the figures are drawn.
"""

from compete.common.reports.report import write_report

__all__ = ["write_report"]
