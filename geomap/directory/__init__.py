"""The provider directory: schema, readers, writers, resolution and privacy."""
