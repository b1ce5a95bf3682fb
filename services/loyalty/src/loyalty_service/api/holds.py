"""Placeholder: filled in by the holds work."""

from fastapi import APIRouter

router = APIRouter(tags=["holds"])
