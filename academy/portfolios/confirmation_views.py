"""confirmation_views (being written)."""
