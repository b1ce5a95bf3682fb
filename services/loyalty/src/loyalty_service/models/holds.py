"""Placeholder: the holds tables come with that work."""
