"""The coordinator's workspace: programmes, people, CSV import and export, metrics, items."""
