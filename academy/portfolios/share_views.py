"""share_views (being written)."""
