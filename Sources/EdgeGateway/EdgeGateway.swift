// EdgeGateway: see ARCHITECTURE.md.
