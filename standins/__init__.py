"""Local stand-ins of outside services that speak their real wire format (tests, benchmarks)."""
