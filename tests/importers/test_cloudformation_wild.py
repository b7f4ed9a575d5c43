"""Shapes found in public teams' SAM/CloudFormation templates, each reduced to a small template of our own.

Every case here was once imported wrongly: a route judged open that SAM protects, a direct
service integration missing from the diagram, an authorizer function nobody saw...
"""

from __future__ import annotations

from typing import Any

from templatekit import flows

from game.architecture import Architecture
from game.importers import cloudformation


def parse(text: str) -> Architecture:
    return cloudformation.parse_template(text, "wild.yaml")


def attrs(arch: Architecture, component_id: str) -> dict[str, Any]:
    return dict(arch.component(component_id).attributes)


SAM_API_WITH_BODY = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt AuthFn.Arn
      DefinitionBody:
        swagger: "2.0"
        paths:
          /things:
            get:
              x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://example.com/things"}
{extra}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.handler, CodeUri: .}
"""


def test_sam_default_authorizer_covers_the_methods_of_an_inline_definition_body() -> None:
    arch = parse(SAM_API_WITH_BODY.replace("{extra}", ""))
    assert attrs(arch, "Api")["authorizer"] == "lambda"


def test_a_method_of_the_body_may_still_opt_out_of_the_default_authorizer() -> None:
    extra = """          /health:
            get:
              security: [{NONE: []}]
              x-amazon-apigateway-integration: {type: mock}"""
    arch = parse(SAM_API_WITH_BODY.replace("{extra}", extra))
    assert attrs(arch, "Api")["authorizer"] == "none"
    assert "/health" in arch.component("Api").provenance["authorizer"]


def test_a_definition_body_included_from_a_file_leaves_the_authorizer_unknown() -> None:
    arch = parse("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters: {Location: ./api.yaml}
""")
    assert "authorizer" not in attrs(arch, "Api")


def test_a_sam_lambda_authorizer_is_drawn_as_a_call_from_the_api() -> None:
    arch = parse(SAM_API_WITH_BODY.replace("{extra}", ""))
    flow = flows(arch)[("Api", "AuthFn")]
    assert (flow.kind, flow.label, flow.is_async) == ("invoke", "authorizes requests", False)


def test_cloudformation_authorizers_rest_http_and_openapi_are_drawn_too() -> None:
    arch = parse("""
Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: rest}
  RestAuth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Rest
      Type: TOKEN
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${RestAuthFn.Arn}/invocations
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: http, ProtocolType: HTTP}
  HttpAuth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Http
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HttpAuthFn.Arn}/invocations
  Spec:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        securityDefinitions:
          custom:
            type: apiKey
            x-amazon-apigateway-authtype: custom
            x-amazon-apigateway-authorizer:
              type: token
              authorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${SpecAuthFn.Arn}/invocations
        paths: {}
  RestAuthFn: {Type: AWS::Lambda::Function, Properties: {Runtime: python3.12, Handler: a.h, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}}
  HttpAuthFn: {Type: AWS::Lambda::Function, Properties: {Runtime: python3.12, Handler: a.h, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}}
  SpecAuthFn: {Type: AWS::Lambda::Function, Properties: {Runtime: python3.12, Handler: a.h, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}}
""")
    drawn = flows(arch)
    for api, fn in (("Rest", "RestAuthFn"), ("Http", "HttpAuthFn"), ("Spec", "SpecAuthFn")):
        assert drawn[(api, fn)].label == "authorizes requests"


DIRECT_INTEGRATIONS = """
Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: storage-first}
  Send:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !GetAtt Rest.RootResourceId
      HttpMethod: POST
      AuthorizationType: NONE
      Integration:
        Type: AWS
        Credentials: !GetAtt ApiRole.Arn
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${Inbox.QueueName}
  Lookup:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !GetAtt Rest.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS
        Credentials: !GetAtt ApiRole.Arn
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:dynamodb:action/Query
        RequestTemplates:
          application/json: '{"TableName": "Music"}'
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: direct
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: [sqs:SendMessage], Resource: !GetAtt Inbox.Arn}
              - {Effect: Allow, Action: [dynamodb:Query, dynamodb:PutItem], Resource: !GetAtt Music.Arn}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: http, ProtocolType: HTTP}
  Start:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: AWS_PROXY
      IntegrationSubtype: StepFunctions-StartExecution
      CredentialsArn: !GetAtt ApiRole.Arn
      PayloadFormatVersion: "1.0"
      RequestParameters: {StateMachineArn: !Ref Flow, Input: $request.body}
  StartRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Http
      RouteKey: POST /start
      Target: !Join [/, [integrations, !Ref Start]]
  Spec:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: "3.0.1"
        paths:
          /events:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: EventBridge-PutEvents
                credentials: !GetAtt ApiRole.Arn
                requestParameters: {EventBusName: !Ref Bus, Detail: $request.body, DetailType: x, Source: y}
  Inbox: {Type: AWS::SQS::Queue}
  Music: {Type: AWS::DynamoDB::Table, Properties: {TableName: Music}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: bus}}
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties: {RoleArn: !GetAtt ApiRole.Arn, DefinitionString: "{}"}
"""


def test_direct_service_integrations_are_drawn_from_the_api_to_the_service() -> None:
    drawn = flows(parse(DIRECT_INTEGRATIONS))
    assert (drawn[("Rest", "Inbox")].kind, drawn[("Rest", "Inbox")].label) == ("write", "POST /")
    assert (drawn[("Http", "Flow")].kind, drawn[("Http", "Flow")].label) == ("invoke", "POST /start")
    assert (drawn[("Spec", "Bus")].kind, drawn[("Spec", "Bus")].label) == ("write", "POST /events")
    assert ("Rest", "ApiRole") not in drawn  # the credentials are how it calls, not what


def test_an_integration_naming_no_resource_calls_what_its_credentials_role_may_use() -> None:
    arch = parse(DIRECT_INTEGRATIONS)
    to_table = [f for f in arch.flows if (f.source, f.target) == ("Rest", "Music")]
    assert [(f.kind, f.label) for f in to_table] == [("read", "GET /")]


def test_tables_and_secrets_are_closed_until_a_resource_policy_opens_them() -> None:
    arch = parse("""
Resources:
  Plain: {Type: AWS::DynamoDB::Table}
  Shared:
    Type: AWS::DynamoDB::Table
    Properties:
      ResourcePolicy:
        PolicyDocument:
          Statement: [{Effect: Allow, Principal: "*", Action: dynamodb:GetItem, Resource: "*"}]
  Key: {Type: AWS::SecretsManager::Secret}
  KeyPolicy:
    Type: AWS::SecretsManager::ResourcePolicy
    Properties:
      SecretId: !Ref Key
      ResourcePolicy:
        Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:root"}, Action: secretsmanager:GetSecretValue, Resource: "*"}]
""")
    assert (attrs(arch, "Plain")["policy_any_principal"], attrs(arch, "Plain")["cross_account"]) == (False, False)
    assert attrs(arch, "Shared")["policy_any_principal"] is True
    assert arch.component("Shared").provenance["policy_any_principal"].startswith("Properties.ResourcePolicy.PolicyDocument.Statement[0]")
    assert (attrs(arch, "Key")["policy_any_principal"], attrs(arch, "Key")["cross_account"]) == (False, True)
    assert arch.component("Key").provenance["cross_account"].startswith("Resources.KeyPolicy.Properties.ResourcePolicy")
