"""Schemathesis hooks for the fuzz gate (test_api_fuzz.py loads this file by SCHEMATHESIS_HOOKS).

The one exclusion: a request must not aim at the fuzzing caller itself. A path parameter whose
value is the caller's own user id or role name (FUZZ_PROTECTED, a JSON list) is replaced by a
value that names nothing, so the request is still sent (and answers 404) but cannot deactivate,
demote or re-password the caller, or rewrite its role's permissions — each of which revokes the
caller's token and would turn the rest of the run into 401s. Every other user and role is fuzzed.
"""

from __future__ import annotations

import json
import os

import schemathesis

PROTECTED = frozenset(json.loads(os.environ.get("FUZZ_PROTECTED", "[]")))
NOBODY_ID = "00000000-0000-4000-8000-000000000000"
NOBODY_NAME = "fuzz-protected"


@schemathesis.hook
def before_call(context, case, kwargs):
    parameters = case.path_parameters or {}
    for name, value in list(parameters.items()):
        if str(value) in PROTECTED:
            parameters[name] = NOBODY_ID if "-" in str(value) else NOBODY_NAME
