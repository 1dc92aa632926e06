"""OAI-PMH 2.0 for the public artifact catalogue: protocol rules, XML writers and the endpoint."""
