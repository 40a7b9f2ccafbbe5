"""Every signing secret written in the repository: public, so no deployment may trust it.

`shared/tests/unit/test_committed_secrets.py` scans the repository's files for secret-looking
assignments and fails when one is missing here, so this list cannot fall behind.
"""

DEV_JWT_SECRET = "hourbank-development-secret-change-me-0123456789"  # noqa: S105 (published)
"""What `make up`, `make token`, docker-compose.yml and the dev Kubernetes overlay sign with."""

COMMITTED_SECRETS: frozenset[str] = frozenset(
    {
        DEV_JWT_SECRET,
        # the tests' secrets
        "k" * 32,
        "s" * 32,
        "s" * 40,
        "t" * 32,
        "x" * 32,
        "fuzz-secret-" + "x" * 32,
        "d" * 32,
        "notifications-test-secret-0123456789abcdef",
        "disputes-serve-test-secret-0123456789abcdef",
        "notifications-serve-test-secret-0123456789abcdef",
        "saga-test-secret-0123456789abcdef",
    }
)
