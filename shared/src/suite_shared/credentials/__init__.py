"""Passwords, logins and lock-out: what identity (staff) and the portal (customers) both check
when someone logs in. Plain functions and one hasher class, unit-tested without a database."""
