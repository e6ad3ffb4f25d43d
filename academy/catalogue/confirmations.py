"""Provider confirmation requests under /provide/ (being written)."""
