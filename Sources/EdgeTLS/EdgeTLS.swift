// EdgeTLS: see ARCHITECTURE.md.
