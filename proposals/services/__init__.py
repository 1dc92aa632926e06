"""Every write to program records, one module per concept. Views, the admin, the API,
tasks and commands change state only through these."""
