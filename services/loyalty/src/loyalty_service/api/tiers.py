"""Placeholder: filled in by the tiers work."""

from fastapi import APIRouter

router = APIRouter(tags=["tiers"])
