// EdgeConfig: see ARCHITECTURE.md.
