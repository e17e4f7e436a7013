"""The parts of tradelane.client, one job each (accounts, tokens, calls, sending, preflight,
orders, disputes, admin, reading), and their helpers: EIP-712, reverts, events, timeline."""
