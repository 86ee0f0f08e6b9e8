"""JetStream streams and consumers of CIS, declared in one place."""

from __future__ import annotations

import dataclasses

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

__all__ = [
    "ACK_WAIT_SECONDS",
    "DLQ_STREAM",
    "EVENTS_STREAM",
    "MAX_DELIVER",
    "SCORES_STREAM",
    "consumer_config",
    "ensure_streams",
]

EVENTS_STREAM = "CIS_EVENTS"
SCORES_STREAM = "CIS_SCORES"
DLQ_STREAM = "CIS_DLQ"
MAX_DELIVER = 5
ACK_WAIT_SECONDS = 30.0  # a message not acked (nor said to be in progress) by then comes again
DEDUP_WINDOW_SECONDS = 120.0

_STREAMS = (
    StreamConfig(
        name=EVENTS_STREAM,
        subjects=["cis.events.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DEDUP_WINDOW_SECONDS,
    ),
    StreamConfig(name=SCORES_STREAM, subjects=["cis.scores.>"], storage=StorageType.FILE),
    StreamConfig(name=DLQ_STREAM, subjects=["cis.dlq.>"], storage=StorageType.FILE),
)


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams, or update them to the declared config.

    `replicas` (CIS_NATS_REPLICAS) is 1 on one server (embedded) and 3 on a three-node
    cluster, so a stream survives the loss of a node; consumers inherit it.
    """
    for declared in _STREAMS:
        config = dataclasses.replace(declared, num_replicas=replicas)
        try:
            await js.stream_info(str(config.name))
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


def consumer_config(durable: str, ack_wait: float = ACK_WAIT_SECONDS) -> ConsumerConfig:
    """A durable pull consumer with explicit ack and bounded redelivery."""
    return ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=MAX_DELIVER,
        filter_subject="cis.events.>",
    )
