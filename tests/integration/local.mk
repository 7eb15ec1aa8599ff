# filled in by the integration tests
