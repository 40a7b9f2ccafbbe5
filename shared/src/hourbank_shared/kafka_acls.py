"""The broker's ACLs made to match the table in `kafka_access` (run as a super user)."""

from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from hourbank_shared.kafka import base_config
from hourbank_shared.kafka_access import ACCESS, rules
from hourbank_shared.kafka_security import KafkaSecurity

RESOURCE_TYPES = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "transactionalId": ResourceType.TRANSACTIONAL_ID,
}
PATTERNS = {"literal": ResourcePatternType.LITERAL, "prefix": ResourcePatternType.PREFIXED}
OPERATIONS = {
    "Read": AclOperation.READ,
    "Write": AclOperation.WRITE,
    "Create": AclOperation.CREATE,
    "Describe": AclOperation.DESCRIBE,
}


def principal(service: str) -> str:
    """The Kafka principal a service authenticates as (its SCRAM user, its KafkaUser)."""
    return f"User:{service}"


def bindings(service: str) -> set[AclBinding]:
    """The service's rules as the broker stores them: one ALLOW binding per operation."""
    return {
        AclBinding(
            RESOURCE_TYPES[rule.resource],
            rule.name,
            PATTERNS[rule.pattern],
            principal(service),
            "*",
            OPERATIONS[operation],
            AclPermissionType.ALLOW,
        )
        for rule in rules(service)
        for operation in rule.operations
    }


def present_bindings(admin: AdminClient, service: str, timeout: float = 30.0) -> set[AclBinding]:
    """Every binding the broker holds for the service's principal."""
    # None matches any name and host (confluent-kafka's annotations say str)
    every = AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]
        ResourcePatternType.ANY,
        principal(service),
        None,  # type: ignore[arg-type]
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    return set(admin.describe_acls(every, request_timeout=timeout).result(timeout))


def apply_acls(
    bootstrap: str, security: KafkaSecurity | None = None, timeout: float = 30.0
) -> list[str]:
    """Add the missing bindings of every service and remove those the table no longer has."""
    admin = AdminClient(base_config(bootstrap, "hourbank-acls", security))
    report: list[str] = []
    for service in ACCESS:
        wanted = bindings(service)
        present = present_bindings(admin, service, timeout)
        missing, extra = sorted(wanted - present, key=str), sorted(present - wanted, key=str)
        if missing:
            for future in admin.create_acls(missing, request_timeout=timeout).values():
                future.result(timeout)
        if extra:
            filters = [AclBindingFilter(*binding._to_tuple()) for binding in extra]
            for future in admin.delete_acls(filters, request_timeout=timeout).values():
                future.result(timeout)
        report.append(
            f"{principal(service)}: {len(wanted)} ACLs ({len(missing)} added, {len(extra)} removed)"
        )
    return report
