"""`hourbank-token <member-id> [--admin]`: print a development (HS256) token."""

import argparse
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from hourbank_shared.auth import ADMIN, MEMBER

DEV_SECRET_ENV = "HOURBANK_JWT_SECRET"  # noqa: S105 (a variable name, not a secret)


def dev_token(
    member_id: uuid.UUID, secret: str, *, admin: bool = False, ttl: timedelta = timedelta(hours=12)
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(member_id),
        "roles": [MEMBER, ADMIN] if admin else [MEMBER],
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a development JWT for a member.")
    parser.add_argument("member_id", nargs="?", type=uuid.UUID, default=None)
    parser.add_argument("--admin", action="store_true", help="also grant the admin role")
    parser.add_argument("--hours", type=float, default=12.0, help="validity (default 12 h)")
    args = parser.parse_args()
    secret = os.environ.get(DEV_SECRET_ENV)
    if not secret:
        sys.exit(f"{DEV_SECRET_ENV} is not set (the development signing secret)")
    member_id = args.member_id or uuid.uuid4()
    print(dev_token(member_id, secret, admin=args.admin, ttl=timedelta(hours=args.hours)))


if __name__ == "__main__":
    main()
