"""Placeholder: filled in by the program work."""

from fastapi import APIRouter

router = APIRouter(tags=["program"])
