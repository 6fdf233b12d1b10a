"""Tests of the coordinator's workspace: programmes, people, CSV import and export."""
