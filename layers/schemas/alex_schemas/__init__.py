"""alex_schemas."""
