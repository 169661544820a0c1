"""alex_data_dev."""
