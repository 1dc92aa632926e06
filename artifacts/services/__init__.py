"""Every write to the catalogue, one module per concept: artifacts and their links."""
