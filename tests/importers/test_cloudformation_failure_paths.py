"""Dead-letter queues and on-failure destinations are drawn as flows: an async failure path carries data."""

from __future__ import annotations

import pytest
from templatekit import flows

from game.architecture import Architecture
from game.importers import cloudformation


def parse(text: str) -> Architecture:
    return cloudformation.parse_template(text, "failures.yaml")


FAILURE_PATHS = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDlq.Arn
        maxReceiveCount: 3
  OrdersDlq:
    Type: AWS::SQS::Queue
  Mailer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt MailerDlq.Arn
  MailerDlq:
    Type: AWS::SQS::Queue
  Billing:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/billing
      Code: {ZipFile: "x"}
  BillingFailures:
    Type: AWS::SNS::Topic
  BillingInvoke:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Billing
      Qualifier: $LATEST
      DestinationConfig:
        OnFailure:
          Destination: !Ref BillingFailures
  Alerts:
    Type: AWS::SNS::Topic
  AlertsToMailer:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: lambda
      Endpoint: !GetAtt Mailer.Arn
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt AlertsDlq.Arn
  AlertsDlq:
    Type: AWS::SQS::Queue
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: mailer
          Arn: !GetAtt Mailer.Arn
          DeadLetterConfig:
            Arn: !GetAtt RuleDlq.Arn
  RuleDlq:
    Type: AWS::SQS::Queue
  Reporter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            DeadLetterConfig:
              Arn: !GetAtt ScheduleDlq.Arn
  ScheduleDlq:
    Type: AWS::SQS::Queue
"""


def test_every_dead_letter_queue_is_fed_by_what_fails() -> None:
    arch = parse(FAILURE_PATHS)
    found = flows(arch)
    expected = {
        ("Orders", "OrdersDlq"): "Resources.Orders.Properties.RedrivePolicy.deadLetterTargetArn",
        ("Mailer", "MailerDlq"): "Resources.Mailer.Properties.DeadLetterQueue.TargetArn",
        ("Billing", "BillingFailures"): "Resources.BillingInvoke.Properties.DestinationConfig.OnFailure.Destination",
        ("Alerts", "AlertsDlq"): "Resources.AlertsToMailer.Properties.RedrivePolicy.deadLetterTargetArn",
        ("Nightly", "RuleDlq"): "Resources.Nightly.Properties.Targets[0].DeadLetterConfig.Arn",
        ("ReporterHourly", "ScheduleDlq"): "Resources.Reporter.Properties.Events.Hourly.Properties.DeadLetterConfig",
    }
    for (source, target), path in expected.items():
        flow = found[(source, target)]
        assert (flow.kind, flow.is_async) == ("event", True)
        assert flow.location is not None and flow.location.path == path
    linked = {f.source for f in arch.flows} | {f.target for f in arch.flows}
    assert {"OrdersDlq", "MailerDlq", "BillingFailures", "AlertsDlq", "RuleDlq", "ScheduleDlq"} <= linked


def test_a_dead_letter_queue_flow_is_labelled_with_what_it_receives() -> None:
    found = flows(parse(FAILURE_PATHS))
    assert found[("Orders", "OrdersDlq")].label == "messages received too often"
    assert found[("Mailer", "MailerDlq")].label == "failed invocations"
    assert found[("Nightly", "RuleDlq")].label == "undeliverable events"


STREAM_FAILURES = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Ledger:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Payments:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Payments.Arn
            StartingPosition: LATEST
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt PaymentsFailed.Arn
        Accounts:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Accounts.StreamArn
            StartingPosition: TRIM_HORIZON
            DestinationConfig:
              OnFailure:
                Type: SNS
                Destination: !Ref AccountsFailed
  Payments:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  PaymentsFailed:
    Type: AWS::SQS::Queue
  Accounts:
    Type: AWS::DynamoDB::Table
    Properties:
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  AccountsFailed:
    Type: AWS::SNS::Topic
  Auditor:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/auditor
      Code: {ZipFile: "x"}
  AuditorPayments:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Auditor
      EventSourceArn: !GetAtt Payments.Arn
      StartingPosition: LATEST
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt AuditFailed.Arn
  AuditFailed:
    Type: AWS::SQS::Queue
"""


@pytest.mark.parametrize(
    ("source", "target", "path"),
    [
        ("Ledger", "PaymentsFailed", "Resources.Ledger.Properties.Events.Payments.Properties.DestinationConfig.OnFailure.Destination"),
        ("Ledger", "AccountsFailed", "Resources.Ledger.Properties.Events.Accounts.Properties.DestinationConfig.OnFailure.Destination"),
        ("Auditor", "AuditFailed", "Resources.AuditorPayments.Properties.DestinationConfig.OnFailure.Destination"),
    ],
)
def test_an_event_source_mappings_failed_batches_go_from_its_function_to_the_destination(source: str, target: str, path: str) -> None:
    flow = flows(parse(STREAM_FAILURES))[(source, target)]
    assert (flow.kind, flow.is_async, flow.label) == ("event", True, "failed batches")
    assert flow.location is not None and flow.location.path == path

