"""HTTP routers, thin over the engine."""
