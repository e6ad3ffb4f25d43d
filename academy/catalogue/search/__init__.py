"""Search: the query and its parameters, and the per-process facet index."""
