"""Placeholder: filled in by the vouchers work."""

from fastapi import APIRouter

router = APIRouter(tags=["vouchers"])
