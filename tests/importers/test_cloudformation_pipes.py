"""EventBridge Pipes: a pipe polls its source, may call an enrichment, and delivers to its target."""

from __future__ import annotations

from templatekit import flows

from game.architecture import Architecture, ComponentType
from game.importers import cloudformation


def parse(text: str) -> Architecture:
    return cloudformation.parse_template(text, "pipes.yaml")


PIPE = """
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
  Enrich:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineType: EXPRESS
      RoleArn: arn:aws:iam::123456789012:role/sfn
      DefinitionString: "{}"
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: orders
  Failed:
    Type: AWS::SQS::Queue
  PipeLogs:
    Type: AWS::Logs::LogGroup
  PipeRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: pipes.amazonaws.com}, Action: sts:AssumeRole}]}
  OrdersPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt Orders.StreamArn
      SourceParameters:
        DynamoDBStreamParameters:
          StartingPosition: LATEST
          DeadLetterConfig:
            Arn: !GetAtt Failed.Arn
      Enrichment: !Ref Enrich
      Target: !GetAtt Bus.Arn
      LogConfiguration:
        Level: ERROR
        CloudwatchLogsLogDestination:
          LogGroupArn: !GetAtt PipeLogs.Arn
"""


def test_a_pipe_joins_its_source_enrichment_and_target() -> None:
    arch = parse(PIPE)
    found = flows(arch)
    assert arch.component("OrdersPipe").type is ComponentType.EVENTBRIDGE
    source = found[("Orders", "OrdersPipe")]
    assert (source.label, source.kind, source.is_async) == ("stream records", "event", False)
    enrichment = found[("OrdersPipe", "Enrich")]
    assert (enrichment.kind, enrichment.is_async) == ("invoke", False)
    target = found[("OrdersPipe", "Bus")]
    assert (target.kind, target.is_async) == ("event", True)
    assert found[("OrdersPipe", "PipeLogs")].kind == "log"
    assert ("OrdersPipe", "PipeRole") not in found and ("PipeRole", "OrdersPipe") not in found


def test_a_pipe_reading_a_stream_turns_it_on_and_sends_failures_to_its_dlq() -> None:
    arch = parse(PIPE)
    assert arch.component("Orders").attributes["stream"] is True
    pipe = arch.component("OrdersPipe")
    assert pipe.attributes["dlq"] is True
    assert pipe.provenance["dlq"] == "Properties.SourceParameters.DynamoDBStreamParameters.DeadLetterConfig"
    assert flows(arch)[("OrdersPipe", "Failed")].label == "records that failed"


def test_a_pipe_waits_for_a_function_unless_told_to_fire_and_forget() -> None:
    base = """
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "x"}
  JobsPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/pipe
      Source: !GetAtt Jobs.Arn
      Target: !GetAtt Worker.Arn
"""
    waits = flows(parse(base))
    assert waits[("Jobs", "JobsPipe")].label == "messages"
    assert (waits[("JobsPipe", "Worker")].kind, waits[("JobsPipe", "Worker")].is_async) == ("invoke", False)
    fire = base + "      TargetParameters:\n        LambdaFunctionParameters:\n          InvocationType: FIRE_AND_FORGET\n"
    forgets = flows(parse(fire))[("JobsPipe", "Worker")]
    assert (forgets.kind, forgets.is_async) == ("event", True)
