"""Placeholder: the program tables come with that work."""
