"""Contract regression: record a client's exchanges as a Pact v4 file, verify one against the
sandbox or a vendor's own environment (drift).  The request lint lives in core.lint (the
pipeline runs it); this package holds the tools, which a server never imports."""
