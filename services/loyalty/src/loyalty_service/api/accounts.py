"""Placeholder: filled in by the accounts work."""

from fastapi import APIRouter

router = APIRouter(tags=["accounts"])
