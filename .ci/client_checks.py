"""Shared by the official-client checks (official_clients.py, voicelive_client.py):
the emulator's address and key, the bound of every wait, and the tally of checks."""

import os

PORT = os.environ["EMULATOR_PORT"]
KEY = os.environ["EMULATOR_KEY"]
BOUND = 20  # seconds: every wait here has a bound

failures = []
passed = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    (passed if condition else failures).append(what)


def summary():
    """Prints the tally; the exit code: 1 when any check failed."""
    print(f"{len(passed)} passed, {len(failures)} failed")
    return 1 if failures else 0
