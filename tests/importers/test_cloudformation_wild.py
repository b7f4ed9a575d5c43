"""Shapes found in public teams' SAM/CloudFormation templates, each reduced to a small template of our own.

Every case here was once imported wrongly: a route judged open that SAM protects, a direct
service integration missing from the diagram, an authorizer function nobody saw...
"""

from __future__ import annotations

from typing import Any

from game.architecture import Architecture
from game.importers import cloudformation


def parse(text: str) -> Architecture:
    return cloudformation.parse_template(text, "wild.yaml")


def attrs(arch: Architecture, component_id: str) -> dict[str, Any]:
    return dict(arch.component(component_id).attributes)


def flows(arch: Architecture) -> dict[tuple[str, str], Any]:
    return {(f.source, f.target): f for f in arch.flows}


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
