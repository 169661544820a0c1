"""alex_data."""
