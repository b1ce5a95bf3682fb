"""What the portal's logo and banners may be (POR-1): JPG/JPEG or PNG, at most 5 MB, a logo at
least 48×48 px, a banner at least 1372×480 px; at most five banners. The bytes decide the type,
never the file name (suite_shared.images)."""

from __future__ import annotations

from suite_shared.images import ImageRules

MAX_BYTES = 5 * 1024 * 1024
TYPES = ("image/jpeg", "image/png")
LOGO = ImageRules(types=TYPES, max_bytes=MAX_BYTES, min_width=48, min_height=48)
BANNER = ImageRules(types=TYPES, max_bytes=MAX_BYTES, min_width=1372, min_height=480, max_side=8000)
MAX_BANNERS = 5
RULES = {"logo": LOGO, "banner": BANNER}
