"""Portfolio entries: the portfolio page, recording, editing and deleting activities."""
