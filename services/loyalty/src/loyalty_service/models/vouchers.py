"""Placeholder: the vouchers tables come with that work."""
