"""`hourbank demo`: two walks through the running system (written next)."""


def run_demo(base_url: str, secret: str) -> None:
    raise SystemExit("the demo is not written yet")
