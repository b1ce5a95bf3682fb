"""Placeholder: the tiers tables come with that work."""
