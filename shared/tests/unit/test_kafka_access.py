"""The access table: one writer per topic (the contract's owner), private topics between their
two services only, and no service's own names reaching into another's."""

import yaml

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.asyncapi import OWNERS
from hourbank_shared.kafka import checkpoint_topic, dlq_topic, replay_topic, transactional_id
from hourbank_shared.kafka_access import ACCESS, kafka_user, kafka_users_yaml, rules
from hourbank_shared.kafka_acls import bindings, principal


def test_every_topic_is_written_by_its_owner_only() -> None:
    writers = {topic: [s for s, a in ACCESS.items() if topic in a.writes] for topic in topics.ALL}
    assert writers == {topic: [OWNERS[topic]] for topic in topics.ALL}


def test_a_private_topic_is_read_by_its_one_reader() -> None:
    for topic in topics.PRIVATE:
        assert [s for s, a in ACCESS.items() if topic in a.reads] == ["notifications"]


def test_nobody_reads_what_it_writes_or_what_nobody_publishes() -> None:
    for access in ACCESS.values():
        assert not set(access.reads) & set(access.writes)
        assert set(access.reads) <= set(topics.ALL)


def test_each_service_owns_its_relay_dead_letters_replays_and_transactions() -> None:
    for service in ACCESS:
        own = [rule for rule in rules(service) if rule.pattern == "prefix"]
        names = [dlq_topic(service), replay_topic(service), checkpoint_topic(service)]
        names += [f"{dlq_topic(service)}-7a1f", transactional_id(f"{service}-7a1f")]
        for name in names:
            assert any(name.startswith(rule.name) for rule in own), name


def test_no_rule_of_one_service_covers_another_services_names() -> None:
    for service in ACCESS:
        for other in set(ACCESS) - {service}:
            theirs = [
                dlq_topic(other),
                replay_topic(other),
                checkpoint_topic(other),
                transactional_id(other),
                ACCESS[other].group,
            ]
            for rule in rules(service):
                if rule.pattern == "prefix":
                    assert not any(name.startswith(rule.name) for name in theirs), (rule, other)


def test_the_kafka_users_are_the_rules_and_the_bindings_too() -> None:
    users = list(yaml.safe_load_all(kafka_users_yaml()))
    assert users == [kafka_user(service) for service in ACCESS]
    for user in users:
        service = user["metadata"]["name"]
        acls = user["spec"]["authorization"]["acls"]
        count = sum(len(acl["operations"]) for acl in acls)
        assert len(bindings(service)) == count
        assert {b.principal for b in bindings(service)} == {principal(service)}
