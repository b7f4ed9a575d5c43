"""What the tests of the CloudFormation importer share."""

from __future__ import annotations

from game.architecture import Architecture, Flow


def flows(arch: Architecture) -> dict[tuple[str, str], Flow]:
    """The architecture's flows by (source, target)."""
    return {(f.source, f.target): f for f in arch.flows}


SENDER = """
Sender:
  Type: AWS::Serverless::Function
  Properties:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: .
    Policies:
      - SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}
      - SNSPublishMessagePolicy: {TopicName: !GetAtt News.TopicName}
"""
"""A function that sends to queue Jobs and publishes to topic News: a template adds them (and what it tests)."""
